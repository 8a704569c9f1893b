#include "http/access_token.hpp"

#include <gtest/gtest.h>

namespace execd::http {
namespace {

TEST(AccessTokenTest, EmptyTokenAllowsEverything) {
    const AccessToken token("");
    EXPECT_TRUE(token.allows(std::nullopt));
    EXPECT_TRUE(token.allows("anything"));
}

TEST(AccessTokenTest, RequiresExactValue) {
    const AccessToken token("secret");
    EXPECT_TRUE(token.allows("secret"));
    EXPECT_FALSE(token.allows(std::nullopt));
    EXPECT_FALSE(token.allows(""));
    EXPECT_FALSE(token.allows("secreT"));
    EXPECT_FALSE(token.allows("secret2"));
    EXPECT_FALSE(token.allows("secre"));
}

}  // namespace
}  // namespace execd::http
