#include "http/url.hpp"

#include <gtest/gtest.h>

namespace execd::http {
namespace {

TEST(UrlTest, PercentDecode) {
    EXPECT_EQ(percent_decode("a%20b+c", true), "a b c");
    EXPECT_EQ(percent_decode("a%20b+c", false), "a b+c");
    EXPECT_EQ(percent_decode("%2F%2f", false), "//");
    EXPECT_FALSE(percent_decode("%2", false));
    EXPECT_FALSE(percent_decode("%zz", false));
    EXPECT_FALSE(percent_decode("%", false));
}

TEST(UrlTest, ParseQueryKeepsFirstValue) {
    const auto query = parse_query("id=abc&cursor=4&id=other&empty=&flag&bad=%zz");
    EXPECT_EQ(query.at("id"), "abc");
    EXPECT_EQ(query.at("cursor"), "4");
    EXPECT_EQ(query.at("empty"), "");
    EXPECT_EQ(query.at("flag"), "");
    EXPECT_FALSE(query.contains("bad"));
}

}  // namespace
}  // namespace execd::http
