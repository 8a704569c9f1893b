#include "pty/replay_ring.hpp"

#include <gtest/gtest.h>

namespace execd::pty {
namespace {

TEST(ReplayRingTest, ReturnsEverythingFromAnOffsetWhileItFits) {
    ReplayRing ring(16);
    ring.append("hello ");
    ring.append("world");
    EXPECT_EQ(ring.total(), 11u);
    EXPECT_EQ(ring.read_from(0).bytes, "hello world");
    EXPECT_EQ(ring.read_from(6).bytes, "world");
    EXPECT_EQ(ring.read_from(6).start, 6u);
    EXPECT_TRUE(ring.read_from(11).bytes.empty());
    EXPECT_TRUE(ring.read_from(500).bytes.empty());
    EXPECT_EQ(ring.read_from(500).start, 11u);
}

TEST(ReplayRingTest, KeepsOnlyTheLastCapacityBytesAcrossTheWrap) {
    ReplayRing ring(8);
    ring.append("abcdef");
    ring.append("ghijk");  // wraps: keeps "defghijk"
    EXPECT_EQ(ring.total(), 11u);
    const auto slice = ring.read_from(0);
    EXPECT_EQ(slice.start, 3u);
    EXPECT_EQ(slice.bytes, "defghijk");
    EXPECT_EQ(ring.read_from(9).bytes, "jk");
}

TEST(ReplayRingTest, AnAppendLargerThanTheRingKeepsItsTail) {
    ReplayRing ring(4);
    ring.append("x");
    ring.append("0123456789");
    EXPECT_EQ(ring.total(), 11u);
    EXPECT_EQ(ring.read_from(0).bytes, "6789");
    EXPECT_EQ(ring.read_from(0).start, 7u);
}

TEST(ReplayRingTest, ManySmallAppendsMatchAPlainString) {
    ReplayRing ring(1000);
    std::string all;
    for (int i = 0; i < 5000; ++i) {
        const std::string piece = std::to_string(i) + ",";
        ring.append(piece);
        all += piece;
    }
    EXPECT_EQ(ring.total(), all.size());
    EXPECT_EQ(ring.read_from(0).bytes, all.substr(all.size() - 1000));
    EXPECT_EQ(ring.read_from(all.size() - 10).bytes, all.substr(all.size() - 10));
}

}  // namespace
}  // namespace execd::pty
