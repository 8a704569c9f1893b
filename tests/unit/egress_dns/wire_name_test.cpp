// skip_name(): the walk over possibly compressed names in records.
#include "dns/wire_name.hpp"

#include <gtest/gtest.h>

#include "wire_bytes.hpp"

namespace egress::dns {
namespace {

using testing::WireBytes;

// The message's header and question "example" (at offset 12), then `rest`; returns whether the
// name at the start of `rest` is accepted, and where the reader stopped.
struct Walk {
    bool ok;
    size_t stopped_at;
};

Walk walk_after_question(const WireBytes& rest) {
    auto message = WireBytes().header(1, 0, 1).question("example").bytes();
    const size_t start = message.size();
    const auto tail = rest.bytes();
    message.insert(message.end(), tail.begin(), tail.end());
    WireReader reader(message);
    reader.seek(start);
    const bool ok = skip_name(reader);
    return {ok, reader.position() - start};
}

TEST(SkipName, UncompressedNameEndsAfterItsRootLabel) {
    const auto walk = walk_after_question(WireBytes().name("www.example").u16(1));
    EXPECT_TRUE(walk.ok);
    EXPECT_EQ(walk.stopped_at, 13u);
}

TEST(SkipName, CompressedNameEndsAfterItsFirstPointer) {
    const auto walk = walk_after_question(WireBytes().label("www").pointer(12).u16(1));
    EXPECT_TRUE(walk.ok);
    EXPECT_EQ(walk.stopped_at, 6u);
}

TEST(SkipName, PointerChainsBackwardsAreFollowed) {
    // "cdn" + pointer to the question, then "edge" + pointer to "cdn...".
    const size_t cdn = 12 + 9 + 4;
    const auto walk = walk_after_question(WireBytes().label("cdn").pointer(12).label("edge").pointer(cdn));
    EXPECT_TRUE(walk.ok);
    EXPECT_EQ(walk.stopped_at, 6u) << "stops after the first name; the second is walked by the caller";
}

TEST(SkipName, RejectsLoopsForwardPointersAndTheHeader) {
    const size_t here = 12 + 9 + 4;
    EXPECT_FALSE(walk_after_question(WireBytes().pointer(static_cast<uint16_t>(here))).ok) << "itself";
    EXPECT_FALSE(walk_after_question(WireBytes().label("a").pointer(static_cast<uint16_t>(here))).ok)
        << "the start of its own labels";
    EXPECT_FALSE(walk_after_question(WireBytes().pointer(static_cast<uint16_t>(here + 2)).name("x")).ok)
        << "forward";
    EXPECT_FALSE(walk_after_question(WireBytes().pointer(3)).ok) << "into the header";
}

TEST(SkipName, RejectsBadLabelsAndOverlongNames) {
    EXPECT_FALSE(walk_after_question(WireBytes().u8(64)).ok);
    EXPECT_FALSE(walk_after_question(WireBytes().u8(0x80).u8(0)).ok);
    EXPECT_FALSE(walk_after_question(WireBytes().label("abc")).ok) << "runs off the end";
    EXPECT_FALSE(walk_after_question(WireBytes().u8(0xC0)).ok) << "half a pointer";
    // 4 labels of 63 + "example" (9 octets) = 265 octets once decompressed.
    WireBytes overlong;
    for (int i = 0; i < 4; ++i) {
        overlong.label(std::string(63, 'a'));
    }
    EXPECT_FALSE(walk_after_question(overlong.pointer(12)).ok);
    WireBytes longest;  // 3 × 64 + 54 + 9 = 255 octets
    for (int i = 0; i < 3; ++i) {
        longest.label(std::string(63, 'a'));
    }
    EXPECT_TRUE(walk_after_question(longest.label(std::string(53, 'a')).pointer(12)).ok);
}

}  // namespace
}  // namespace egress::dns
