#include <gtest/gtest.h>

#include <chrono>

#include "api/deny_webhook.hpp"
#include "api/hmac_signature.hpp"
#include "api/token_check.hpp"
#include "api/webhook_url.hpp"
#include "sidecar/config.hpp"

namespace egress::api {
namespace {

TEST(TokenCheck, AcceptsOnlyTheExactToken) {
    EXPECT_TRUE(token_matches("s3cret", "s3cret"));
    EXPECT_FALSE(token_matches("s3cret", "s3cre"));
    EXPECT_FALSE(token_matches("s3cret", "s3cret "));
    EXPECT_FALSE(token_matches("s3cret", "S3CRET"));
    EXPECT_FALSE(token_matches("s3cret", ""));
    EXPECT_FALSE(token_matches("", "")) << "an empty token never authenticates";
}

TEST(HmacSignature, MatchesRfc4231TestCase2) {
    EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(WebhookUrl, ParsesSchemeHostPortAndPath) {
    auto url = parse_webhook_url("http://hooks.example.test:8000/deny?x=1");
    EXPECT_EQ(url.scheme, "http");
    EXPECT_EQ(url.host, "hooks.example.test");
    EXPECT_EQ(url.port, 8000);
    EXPECT_EQ(url.path, "/deny?x=1");
    EXPECT_EQ(url.origin(), "http://hooks.example.test:8000");

    auto v6 = parse_webhook_url("https://[fd00::1]");
    EXPECT_EQ(v6.host, "fd00::1");
    EXPECT_EQ(v6.port, 443);
    EXPECT_EQ(v6.path, "/");
    EXPECT_EQ(v6.origin(), "https://[fd00::1]:443");
    EXPECT_EQ(parse_webhook_url("http://10.0.0.1?a=b").path, "/?a=b");
}

TEST(WebhookUrl, RejectsWhatCannotBeDelivered) {
    for (const char* bad :
         {"hooks.example.test", "ftp://x.test/", "http://", "http://:80/", "http://x.test:0/",
          "http://x.test:70000/", "http://x.test:8a/", "http://user:pw@x.test/", "http://[::1/"}) {
        EXPECT_THROW(parse_webhook_url(bad), std::invalid_argument) << bad;
    }
}

TEST(DenyEventPayload, HasUpstreamsFieldsInOrderPlusCount) {
    const DenyEvent event{"github.com", std::chrono::system_clock::from_time_t(1767323045), 3};
    EXPECT_EQ(deny_event_payload(event, "mytest"),
              R"({"hostname":"github.com","timestamp":"2026-01-02T03:04:05Z","source":"opensandbox-egress",)"
              R"("sandboxId":"mytest","count":3})");
}

TEST(HttpAddress, ReadsGoListenAddresses) {
    using sidecar::parse_http_address;
    EXPECT_EQ(parse_http_address(":18080"), std::make_pair(std::string(), uint16_t{18080}));
    EXPECT_EQ(parse_http_address("127.0.0.1:9000"), std::make_pair(std::string("127.0.0.1"), uint16_t{9000}));
    EXPECT_EQ(parse_http_address("[::1]:80"), std::make_pair(std::string("::1"), uint16_t{80}));
    EXPECT_EQ(parse_http_address("localhost:80").first, "localhost");
    for (const char* bad : {"18080", "127.0.0.1", ":", ":http", ":65536", ":-1"}) {
        EXPECT_THROW(parse_http_address(bad), std::invalid_argument) << bad;
    }
}

}  // namespace
}  // namespace egress::api
