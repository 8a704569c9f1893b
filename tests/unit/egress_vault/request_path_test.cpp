#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "vault/active_bindings.hpp"

namespace egress::vault {
namespace {

TEST(NormalizeRequestPath, KeepsPlainPaths) {
    EXPECT_EQ(normalize_request_path("/"), "/");
    EXPECT_EQ(normalize_request_path("/repos/a/b"), "/repos/a/b");
    EXPECT_EQ(normalize_request_path("/a//b"), "/a//b");
    EXPECT_EQ(normalize_request_path("/a%20b"), "/a%20b");
}

TEST(NormalizeRequestPath, DropsTheQuery) {
    EXPECT_EQ(normalize_request_path("/a/b?x=1&y=/../.."), "/a/b");
    EXPECT_EQ(normalize_request_path("/?"), "/");
}

TEST(NormalizeRequestPath, RemovesDotSegments) {
    EXPECT_EQ(normalize_request_path("/a/./b/../c"), "/a/c");
    EXPECT_EQ(normalize_request_path("/v1/../x"), "/x");
    EXPECT_EQ(normalize_request_path("/a/b/.."), "/a/");
    EXPECT_EQ(normalize_request_path("/a/."), "/a/");
    EXPECT_EQ(normalize_request_path("/a/.."), "/");
    EXPECT_EQ(normalize_request_path("/./"), "/");
    EXPECT_EQ(normalize_request_path("/a/.b/..c"), "/a/.b/..c");
}

TEST(NormalizeRequestPath, DecodesEncodedDots) {
    EXPECT_EQ(normalize_request_path("/v1/%2e%2e/admin"), "/admin");
    EXPECT_EQ(normalize_request_path("/v1/%2E./admin"), "/admin");
    EXPECT_EQ(normalize_request_path("/v1/%2e/x"), "/v1/x");
    EXPECT_EQ(normalize_request_path("/file%2ejson"), "/file.json");
}

TEST(NormalizeRequestPath, RefusesTargetsAServerCouldReadDifferently) {
    EXPECT_EQ(normalize_request_path("/a%2fb"), std::nullopt);
    EXPECT_EQ(normalize_request_path("/a%2Fb"), std::nullopt);
    EXPECT_EQ(normalize_request_path("/a%5cb"), std::nullopt);
    EXPECT_EQ(normalize_request_path("/a\\b"), std::nullopt);
    EXPECT_EQ(normalize_request_path(std::string_view("/a\0b", 4)), std::nullopt);
    EXPECT_EQ(normalize_request_path("/a%00b"), std::nullopt);
    EXPECT_EQ(normalize_request_path("/.."), std::nullopt);
    EXPECT_EQ(normalize_request_path("/a/../../b"), std::nullopt);
    EXPECT_EQ(normalize_request_path("/%2e%2e/b"), std::nullopt);
    EXPECT_EQ(normalize_request_path("http://host/a"), std::nullopt);
    EXPECT_EQ(normalize_request_path("*"), std::nullopt);
    EXPECT_EQ(normalize_request_path(""), std::nullopt);
    EXPECT_EQ(normalize_request_path("?x"), std::nullopt);
}

}  // namespace
}  // namespace egress::vault
