// /proxy/{port}/... against the real binary and a real local HTTP/WebSocket server.
#include <gtest/gtest.h>

#include <chrono>

#include "execd_test_support.hpp"
#include "proxy_upstream_server.hpp"
#include "websocket_test_client.hpp"

namespace execd_test {
namespace {

using namespace std::chrono_literals;

TEST(ExecdProxyTest, ForwardsAnyMethodWithPathQueryAndBodyButNotTheToken) {
    ProxyUpstreamServer upstream;
    ExecdProcess execd({"--access-token=secret"});
    const std::string prefix = "/proxy/" + std::to_string(upstream.port());
    const auto response = http_request(execd.port(), "PUT", prefix + "/a/b%20c?x=1&y=%2F", "payload",
                                       {"X-EXECD-ACCESS-TOKEN: secret", "X-Custom: kept"});
    EXPECT_EQ(response.status, 200) << response.body;
    EXPECT_TRUE(response.body.starts_with("PUT /a/b%20c?x=1&y=%2F\n")) << response.body;
    EXPECT_NE(response.body.find("X-Custom: kept\n"), std::string::npos) << response.body;
    EXPECT_NE(response.body.find("X-Forwarded-For: 127.0.0.1:"), std::string::npos) << response.body;
    EXPECT_NE(response.body.find("X-Forwarded-Proto: http\n"), std::string::npos) << response.body;
    EXPECT_EQ(response.body.find("secret"), std::string::npos) << response.body;
    EXPECT_TRUE(response.body.ends_with("\n\npayload")) << response.body;

    EXPECT_TRUE(http_request(execd.port(), "GET", prefix, "", {"X-EXECD-ACCESS-TOKEN: secret"})
                    .body.starts_with("GET /\n"));
    EXPECT_EQ(http_request(execd.port(), "GET", prefix + "/x").status, 401);  // the token is still checked
}

TEST(ExecdProxyTest, BadPortsAndClosedPortsAreAnswered) {
    ExecdProcess execd;
    const auto missing = http_request(execd.port(), "GET", "/proxy/");
    EXPECT_EQ(missing.status, 400);
    EXPECT_EQ(missing.body, "port is required");
    EXPECT_EQ(http_request(execd.port(), "GET", "/proxy/80x/a").status, 400);
    EXPECT_EQ(http_request(execd.port(), "GET", "/proxy/70000/a").status, 400);
    const auto closed =
        http_request(execd.port(), "GET", "/proxy/" + std::to_string(free_loopback_port()) + "/");
    EXPECT_EQ(closed.status, 502);
    EXPECT_EQ(closed.body, "Bad Gateway");
}

TEST(ExecdProxyTest, StreamsTheResponseAsItArrives) {
    ProxyUpstreamServer upstream;
    ExecdProcess execd;
    HttpConnection connection(execd.port());
    connection.send_request("GET", "/proxy/" + std::to_string(upstream.port()) + "/stream");
    const auto head = connection.read_head();
    EXPECT_EQ(head.status, 200);
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(connection.read_chunk(), "first\n");
    EXPECT_LT(std::chrono::steady_clock::now() - started, 250ms);  // before the upstream sent the rest
    EXPECT_EQ(connection.read_chunk(), "second\n");
    EXPECT_EQ(connection.read_chunk(), std::nullopt);
}

TEST(ExecdProxyTest, RelaysWebSockets) {
    ProxyUpstreamServer upstream;
    ExecdProcess execd;
    WebSocketTestClient client(execd.port(), "/proxy/" + std::to_string(upstream.port()) + "/ws");
    client.send_text("hello through the proxy");
    const auto echoed = client.read();
    ASSERT_TRUE(echoed.has_value());
    EXPECT_FALSE(echoed->binary);
    EXPECT_EQ(echoed->payload, "hello through the proxy");
    client.send_binary(std::string("\x00\x01\x02", 3));
    const auto binary = client.read();
    ASSERT_TRUE(binary.has_value());
    EXPECT_EQ(binary->payload, std::string("\x00\x01\x02", 3));
}

}  // namespace
}  // namespace execd_test
