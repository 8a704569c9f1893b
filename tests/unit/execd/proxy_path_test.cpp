#include <gtest/gtest.h>

#include "api/proxy_api.hpp"

namespace execd::api {
namespace {

TEST(ProxyPathTest, SplitsPortAndTarget) {
    const auto root = std::get<ProxyTarget>(parse_proxy_path("/proxy/8080", ""));
    EXPECT_EQ(root.port, 8080);
    EXPECT_EQ(root.target, "/");
    EXPECT_EQ(std::get<ProxyTarget>(parse_proxy_path("/proxy/8080/", "")).target, "/");
    const auto deep = std::get<ProxyTarget>(parse_proxy_path("/proxy/3000/a b/c", "x=1"));
    EXPECT_EQ(deep.port, 3000);
    EXPECT_EQ(deep.target, "/a%20b/c?x=1");
}

TEST(ProxyPathTest, RejectsMissingAndNonNumericPorts) {
    EXPECT_EQ(std::get<std::string>(parse_proxy_path("/proxy/", "")), "port is required");
    EXPECT_EQ(std::get<std::string>(parse_proxy_path("/proxy//a", "")), "port is required");
    for (const char* path : {"/proxy/abc", "/proxy/0/", "/proxy/65536", "/proxy/-1/x", "/proxy/80a/"}) {
        EXPECT_TRUE(std::holds_alternative<std::string>(parse_proxy_path(path, ""))) << path;
    }
}

}  // namespace
}  // namespace execd::api
