#include "api/deny_coalescer.hpp"

#include <gtest/gtest.h>

namespace egress::api {
namespace {

using namespace std::chrono_literals;
using Clock = DenyCoalescer::Clock;

const auto kStart = Clock::time_point(1000s);
const auto kWall = std::chrono::system_clock::time_point(1700000000s);

TEST(DenyCoalescer, FirstDenialIsDeliveredAtOnceAndRepeatsWhenTheWindowCloses) {
    DenyCoalescer coalescer(10s, 100);
    auto first = coalescer.add("a.test", kStart, kWall);
    ASSERT_TRUE(first.deliver_now);
    EXPECT_EQ(first.deliver_now->count, 1u);
    EXPECT_FALSE(coalescer.add("a.test", kStart + 1s, kWall + 1s).deliver_now);
    EXPECT_FALSE(coalescer.add("a.test", kStart + 2s, kWall + 2s).deliver_now);
    EXPECT_TRUE(coalescer.take_due(kStart + 9s).empty());
    EXPECT_EQ(coalescer.next_due(), kStart + 10s);

    auto due = coalescer.take_due(kStart + 10s);
    ASSERT_EQ(due.size(), 1u);
    EXPECT_EQ(due[0].hostname, "a.test");
    EXPECT_EQ(due[0].count, 2u);
    EXPECT_EQ(due[0].timestamp, kWall + 1s) << "the first coalesced denial's time";
    // That delivery opened a new window: a repeat inside it waits again.
    EXPECT_FALSE(coalescer.add("a.test", kStart + 11s, kWall).deliver_now);
    EXPECT_EQ(coalescer.take_due(kStart + 20s).size(), 1u);
}

TEST(DenyCoalescer, QuietHostsAreForgottenAndHostsAreIndependent) {
    DenyCoalescer coalescer(10s, 100);
    EXPECT_TRUE(coalescer.add("a.test", kStart, kWall).deliver_now);
    EXPECT_TRUE(coalescer.add("b.test", kStart + 1s, kWall).deliver_now);
    EXPECT_TRUE(coalescer.take_due(kStart + 30s).empty());
    EXPECT_FALSE(coalescer.next_due()) << "both hosts were quiet for a window";
    EXPECT_TRUE(coalescer.add("a.test", kStart + 31s, kWall).deliver_now);
}

TEST(DenyCoalescer, ARepeatAfterAnUnflushedWindowIsDeliveredWithThePendingCount) {
    DenyCoalescer coalescer(10s, 100);
    coalescer.add("a.test", kStart, kWall);
    coalescer.add("a.test", kStart + 1s, kWall + 1s);
    auto late = coalescer.add("a.test", kStart + 15s, kWall + 15s);
    ASSERT_TRUE(late.deliver_now);
    EXPECT_EQ(late.deliver_now->count, 2u);
    EXPECT_EQ(late.deliver_now->timestamp, kWall + 1s);
}

TEST(DenyCoalescer, TracksABoundedNumberOfHosts) {
    DenyCoalescer coalescer(10s, 2);
    EXPECT_TRUE(coalescer.add("a.test", kStart, kWall).deliver_now);
    EXPECT_TRUE(coalescer.add("b.test", kStart, kWall).deliver_now);
    auto third = coalescer.add("c.test", kStart, kWall);
    EXPECT_FALSE(third.deliver_now);
    EXPECT_TRUE(third.dropped);
    EXPECT_FALSE(coalescer.add("a.test", kStart + 1s, kWall).dropped) << "known hosts still coalesce";
}

TEST(DenyCoalescer, AZeroWindowDeliversEveryDenial) {
    DenyCoalescer coalescer(0s, 1);
    for (int i = 0; i < 3; ++i) {
        auto admission = coalescer.add("a.test", kStart, kWall);
        ASSERT_TRUE(admission.deliver_now);
        EXPECT_EQ(admission.deliver_now->count, 1u);
    }
    EXPECT_FALSE(coalescer.next_due());
}

}  // namespace
}  // namespace egress::api
