#include "http/router.hpp"

#include <gtest/gtest.h>

namespace execd::http {
namespace {

Handler tagged(int& hits) {
    return [&hits](Request&, std::shared_ptr<ResponseChannel>) { ++hits; };
}

class RouterTest : public ::testing::Test {
  protected:
    void SetUp() override {
        router_.add("GET", "/ping", tagged(ping_));
        router_.add("GET", "/command/status/:id", tagged(status_));
        router_.add("GET", "/command/:id/logs", tagged(logs_));
        router_.add("POST", "/command", tagged(command_));
    }

    Router router_;
    int ping_ = 0;
    int status_ = 0;
    int logs_ = 0;
    int command_ = 0;
};

TEST_F(RouterTest, MatchesStaticPath) {
    const RouteMatch match = router_.match("GET", "/ping");
    ASSERT_EQ(match.kind, RouteMatch::Kind::found);
    Request request;
    (*match.handler)(request, nullptr);
    EXPECT_EQ(ping_, 1);
}

TEST_F(RouterTest, CapturesPathParameters) {
    const RouteMatch status = router_.match("GET", "/command/status/abc");
    ASSERT_EQ(status.kind, RouteMatch::Kind::found);
    EXPECT_EQ(status.path_params.at("id"), "abc");
    const RouteMatch logs = router_.match("GET", "/command/xyz/logs");
    ASSERT_EQ(logs.kind, RouteMatch::Kind::found);
    EXPECT_EQ(logs.path_params.at("id"), "xyz");
}

TEST_F(RouterTest, StaticSegmentBeatsParameter) {
    Router router;
    int param = 0;
    int fixed = 0;
    router.add("GET", "/command/:id/logs", tagged(param));
    router.add("GET", "/command/status/logs", tagged(fixed));
    const RouteMatch match = router.match("GET", "/command/status/logs");
    ASSERT_EQ(match.kind, RouteMatch::Kind::found);
    Request request;
    (*match.handler)(request, nullptr);
    EXPECT_EQ(fixed, 1);
    EXPECT_EQ(param, 0);
}

TEST_F(RouterTest, WrongMethodIsNotFoundLikeGin) {
    EXPECT_EQ(router_.match("POST", "/ping").kind, RouteMatch::Kind::not_found);
    EXPECT_EQ(router_.match("GET", "/command").kind, RouteMatch::Kind::not_found);
}

TEST_F(RouterTest, UnknownAndEmptyParameterAreNotFound) {
    EXPECT_EQ(router_.match("GET", "/nope").kind, RouteMatch::Kind::not_found);
    EXPECT_EQ(router_.match("GET", "/command/status/").kind, RouteMatch::Kind::not_found);
    EXPECT_EQ(router_.match("GET", "/command//logs").kind, RouteMatch::Kind::not_found);
}

TEST_F(RouterTest, TrailingSlashRedirects) {
    const RouteMatch get = router_.match("GET", "/ping/");
    EXPECT_EQ(get.kind, RouteMatch::Kind::redirect);
    EXPECT_EQ(get.redirect_location, "/ping");
    EXPECT_EQ(get.redirect_status, 301);
    const RouteMatch post = router_.match("POST", "/command/");
    EXPECT_EQ(post.kind, RouteMatch::Kind::redirect);
    EXPECT_EQ(post.redirect_status, 307);
}

TEST(RouterPrefixTest, PrefixRoutesTakeEveryMethodAndPathUnderThemFirst) {
    Router router;
    int proxied = 0;
    int pinged = 0;
    router.add("GET", "/ping", tagged(pinged));
    router.add_prefix("/proxy/", tagged(proxied));
    for (const char* path : {"/proxy/", "/proxy/8080", "/proxy/8080/a/b/c"}) {
        for (const char* method : {"GET", "POST", "PATCH"}) {
            const RouteMatch match = router.match(method, path);
            ASSERT_EQ(match.kind, RouteMatch::Kind::found) << method << " " << path;
        }
    }
    EXPECT_EQ(router.match("GET", "/proxy").kind, RouteMatch::Kind::not_found);
    Request request;
    (*router.match("GET", "/ping").handler)(request, nullptr);
    (*router.match("DELETE", "/proxy/1/x").handler)(request, nullptr);
    EXPECT_EQ(pinged, 1);
    EXPECT_EQ(proxied, 1);
}

TEST(RouterPrefixTest, PrefixRoutesKeepTheirBodyMode) {
    Router router;
    int count = 0;
    router.add_prefix("/buffered/", tagged(count));
    router.add_prefix("/streamed/", tagged(count), BodyMode::streamed);
    EXPECT_EQ(router.match("POST", "/buffered/x").body_mode, BodyMode::buffered);
    EXPECT_EQ(router.match("POST", "/streamed/x").body_mode, BodyMode::streamed);
}

}  // namespace
}  // namespace execd::http
