#include "files/byte_range.hpp"

#include <gtest/gtest.h>

namespace execd::files {
namespace {

using Kind = RangeDecision::Kind;

struct RangeCase {
    const char* header;
    Kind kind;
    uint64_t first;
    uint64_t last;
};

TEST(ByteRangeTest, TableAgainstHundredBytes) {
    const RangeCase cases[] = {
        {"bytes=0-9", Kind::partial, 0, 9},         // first
        {"bytes=40-59", Kind::partial, 40, 59},     // middle
        {"bytes=90-", Kind::partial, 90, 99},       // open end
        {"bytes=-5", Kind::partial, 95, 99},        // suffix
        {"bytes=-500", Kind::partial, 0, 99},       // suffix longer than the file
        {"bytes=95-500", Kind::partial, 95, 99},    // end clipped
        {"bytes=100-", Kind::unsatisfiable, 0, 0},  // past the end
        {"bytes=200-300", Kind::unsatisfiable, 0, 0},
        {"bytes=-0", Kind::unsatisfiable, 0, 0},
        {"bytes=200-300, 5-6", Kind::partial, 5, 6},  // first satisfiable of a list
        {"bytes=1-2,3-4", Kind::partial, 1, 2},
        {"BYTES = 1-2", Kind::partial, 1, 2},
        {"bytes=foo", Kind::malformed, 0, 0},
        {"bytes=5-1", Kind::malformed, 0, 0},
        {"bytes=", Kind::malformed, 0, 0},
        {"bytes=1-2-3", Kind::malformed, 0, 0},
        {"bytes=-", Kind::malformed, 0, 0},
        {"bytes=+1-2", Kind::malformed, 0, 0},
        {"items=0-1", Kind::whole, 0, 0},
        {"garbage", Kind::whole, 0, 0},
    };
    for (const auto& c : cases) {
        const RangeDecision decision = decide_range(c.header, 100);
        EXPECT_EQ(decision.kind, c.kind) << c.header;
        if (c.kind == Kind::partial) {
            EXPECT_EQ(decision.first, c.first) << c.header;
            EXPECT_EQ(decision.last, c.last) << c.header;
        }
    }
}

TEST(ByteRangeTest, EmptyFileHasNoSatisfiableRange) {
    EXPECT_EQ(decide_range("bytes=0-", 0).kind, Kind::unsatisfiable);
    EXPECT_EQ(decide_range("bytes=-1", 0).kind, Kind::unsatisfiable);
}

}  // namespace
}  // namespace execd::files
