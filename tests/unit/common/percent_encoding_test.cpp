#include "common/percent_encoding.hpp"

#include <gtest/gtest.h>

namespace common {
namespace {

TEST(PercentEncoding, Decode) {
    EXPECT_EQ(percent_decode("a%20b+c", true), "a b c");
    EXPECT_EQ(percent_decode("a%20b+c", false), "a b+c");
    EXPECT_EQ(percent_decode("%2F%2f", false), "//");
    EXPECT_FALSE(percent_decode("%2", false));
    EXPECT_FALSE(percent_decode("%zz", false));
    EXPECT_FALSE(percent_decode("%", false));
}

TEST(PercentEncoding, HexValue) {
    EXPECT_EQ(hex_value('0'), 0);
    EXPECT_EQ(hex_value('a'), 10);
    EXPECT_EQ(hex_value('F'), 15);
    EXPECT_EQ(hex_value('g'), -1);
}

}  // namespace
}  // namespace common
