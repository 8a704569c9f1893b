// The connection cap: admission, eviction of the longest-idle connection, refusal.
#include "http/connection_limit.hpp"

#include <gtest/gtest.h>

namespace execd::http {
namespace {

struct CountingIdler : ConnectionLimit::Idler {
    int evictions = 0;
    void evict() override { ++evictions; }
};

TEST(ConnectionLimit, AdmitsUpToTheCapThenEvictsTheLongestIdle) {
    ConnectionLimit limit(2);
    auto first = limit.admit();
    auto second = limit.admit();
    ASSERT_TRUE(first && second);
    EXPECT_EQ(limit.admit(), nullptr);  // nothing idle: refused

    const auto first_idler = std::make_shared<CountingIdler>();
    const auto second_idler = std::make_shared<CountingIdler>();
    first->waiting(first_idler);
    second->waiting(second_idler);
    auto third = limit.admit();
    ASSERT_TRUE(third);
    EXPECT_EQ(first_idler->evictions, 1);
    EXPECT_EQ(second_idler->evictions, 0);
    EXPECT_EQ(limit.count(), 3u);  // until the evicted connection closed
    first.reset();
    EXPECT_EQ(limit.count(), 2u);

    second->busy();
    EXPECT_EQ(limit.admit(), nullptr);  // serving a request: never evicted
    EXPECT_EQ(second_idler->evictions, 0);
}

TEST(ConnectionLimit, AnIdlerThatIsGoneIsSkipped) {
    ConnectionLimit limit(1);
    auto only = limit.admit();
    only->waiting(std::make_shared<CountingIdler>());  // expires at once
    EXPECT_FALSE(limit.evict_oldest());
    EXPECT_EQ(limit.admit(), nullptr);
}

TEST(ConnectionLimit, WaitingAgainMovesToTheEndOfTheLine) {
    ConnectionLimit limit(2);
    auto first = limit.admit();
    auto second = limit.admit();
    const auto first_idler = std::make_shared<CountingIdler>();
    const auto second_idler = std::make_shared<CountingIdler>();
    first->waiting(first_idler);
    second->waiting(second_idler);
    first->busy();
    first->waiting(first_idler);  // served a request, waits for the next
    EXPECT_TRUE(limit.evict_oldest());
    EXPECT_EQ(second_idler->evictions, 1);
    EXPECT_EQ(first_idler->evictions, 0);
}

}  // namespace
}  // namespace execd::http
