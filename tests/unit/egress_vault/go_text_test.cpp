#include "vault/go_text.hpp"

#include <gtest/gtest.h>

#include "vault/header_name.hpp"

namespace egress::vault {
namespace {

TEST(GoText, QuoteEscapesLikeGo) {
    EXPECT_EQ(go_quote("plain"), R"("plain")");
    EXPECT_EQ(go_quote("a\"b\\c"), R"("a\"b\\c")");
    EXPECT_EQ(go_quote("\n\t\x01\x7f"), R"("\n\t\x01\x7f")");
    EXPECT_EQ(go_quote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
    EXPECT_EQ(go_quote("\xff"), R"("\xff")");
}

TEST(GoText, CanonicalHeaderKey) {
    EXPECT_EQ(canonical_header_key("x-api-key"), "X-Api-Key");
    EXPECT_EQ(canonical_header_key("AUTHORIZATION"), "Authorization");
    EXPECT_EQ(canonical_header_key("x_key-1a"), "X_key-1a");
    EXPECT_EQ(canonical_header_key("bad header"), "bad header");
}

}  // namespace
}  // namespace egress::vault
