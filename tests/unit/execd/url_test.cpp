#include "http/url.hpp"

#include <gtest/gtest.h>

namespace execd::http {
namespace {

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
