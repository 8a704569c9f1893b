// /proxy/{port}/... against the real binary and a real local HTTP/WebSocket server.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "execd_test_support.hpp"
#include "proxy_upstream_server.hpp"
#include "websocket_test_client.hpp"

namespace execd_test {
namespace {

using namespace std::chrono_literals;

std::string proxy_prefix(const ProxyUpstreamServer& upstream) {
    return "/proxy/" + std::to_string(upstream.port());
}

// A request head with no body framing of its own; `framing` adds Content-Length or Transfer-Encoding.
std::string head(const std::string& method, const std::string& target, const std::string& framing) {
    return method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + framing + "\r\n\r\n";
}

// A field of /proc/PID/status in KiB (VmRSS, VmHWM).
long status_kib(pid_t pid, const std::string& field) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.starts_with(field + ":")) {
            return std::stol(line.substr(field.size() + 1));
        }
    }
    return -1;
}

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

// Uploads `pieces` MiB through the proxy to /count and checks what the upstream received; returns
// how much execd's peak RSS grew meanwhile, in KiB.
long upload_through_proxy(std::size_t pieces) {
    ProxyUpstreamServer upstream;
    ExecdProcess execd;
    EXPECT_EQ(http_request(execd.port(), "GET", "/ping").status, 200);
    const long peak_before = status_kib(execd.pid(), "VmHWM");
    EXPECT_GT(peak_before, 0);
    constexpr std::size_t kPiece = ProxyUpstreamServer::kChecksumBlock;
    std::string piece(kPiece, '\0');
    for (std::size_t i = 0; i < kPiece; ++i) {
        piece[i] = static_cast<char>((i * 7 + i / 4096) & 0xff);
    }
    HttpConnection connection(execd.port());
    connection.send_raw(
        head("PUT", proxy_prefix(upstream) + "/count", "Content-Length: " + std::to_string(kPiece * pieces)));
    uint64_t sum = 0;
    for (std::size_t i = 0; i < pieces; ++i) {
        piece[i] = static_cast<char>(i);  // no two pieces alike
        connection.send_raw(piece);
        sum = ProxyUpstreamServer::add_to_checksum(sum, piece);
    }
    const auto response = connection.read_response();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "bytes=" + std::to_string(kPiece * pieces) + " sum=" + std::to_string(sum));
    return status_kib(execd.pid(), "VmHWM") - peak_before;
}

TEST(ExecdProxyTest, BodiesOverTheBodyLimitAreStreamed) {
    const long growth = upload_through_proxy(32);  // twice --max-body-bytes
    EXPECT_LT(growth, 16 * 1024) << "execd peak RSS grew by " << growth << " KiB";
}

// Label heavy (tests/integration/execd/CMakeLists.txt): 256 MiB through two loopback hops.
TEST(ExecdProxyHeavyTest, StreamsA256MiBUploadWithBoundedMemory) {
    const long growth = upload_through_proxy(256);
    EXPECT_LT(growth, 16 * 1024) << "execd peak RSS grew by " << growth << " KiB for a 256 MiB upload";
}

TEST(ExecdProxyTest, RelaysAChunkedBodyInItsOwnFraming) {
    ProxyUpstreamServer upstream;
    ExecdProcess execd;
    HttpConnection connection(execd.port());
    connection.send_raw(head("POST", proxy_prefix(upstream) + "/echo", "Transfer-Encoding: chunked"));
    connection.send_raw("5\r\nhello\r\n");
    std::this_thread::sleep_for(50ms);
    connection.send_raw("6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n");
    const auto response = connection.read_response();
    EXPECT_EQ(response.status, 200) << response.body;
    EXPECT_TRUE(response.body.starts_with("POST /echo\n")) << response.body;
    EXPECT_NE(response.body.find("Transfer-Encoding: chunked\n"), std::string::npos) << response.body;
    EXPECT_EQ(response.body.find("Content-Length"), std::string::npos) << response.body;
    EXPECT_TRUE(response.body.ends_with("\n\nhello world")) << response.body;
    EXPECT_TRUE(connection.closed_by_server(2s));
}

TEST(ExecdProxyTest, AMalformedChunkedBodyIsRefused) {
    ProxyUpstreamServer upstream;
    ExecdProcess execd;
    HttpConnection connection(execd.port());
    connection.send_raw(head("POST", proxy_prefix(upstream) + "/count", "Transfer-Encoding: chunked"));
    connection.send_raw("5\r\nhelloXX");
    const auto response = connection.read_response();
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(response.body, "malformed request body\n");
    EXPECT_TRUE(connection.closed_by_server(2s));
}

TEST(ExecdProxyTest, BodyAndAnswerFlowAtTheSameTime) {
    ProxyUpstreamServer upstream;
    ExecdProcess execd;
    HttpConnection connection(execd.port());
    connection.send_raw(head("POST", proxy_prefix(upstream) + "/duplex", "Content-Length: 10"));
    connection.send_raw("hello");
    EXPECT_EQ(connection.read_head().status, 200);
    EXPECT_EQ(connection.read_chunk(), "hello");  // echoed while the rest of the body is still unsent
    connection.send_raw("world");
    EXPECT_EQ(connection.read_chunk(), "world");
    EXPECT_EQ(connection.read_chunk(), std::nullopt);
}

TEST(ExecdProxyTest, AnUpstreamAnsweringBeforeReadingTheBodyIsRelayed) {
    ProxyUpstreamServer upstream;
    ExecdProcess execd;
    HttpConnection connection(execd.port());
    connection.send_raw(head("PUT", proxy_prefix(upstream) + "/early", "Content-Length: 104857600"));
    connection.send_raw(std::string(256 * 1024, 'x'));
    const auto response = connection.read_response();
    EXPECT_EQ(response.status, 413);
    EXPECT_EQ(response.body, "too large");
    EXPECT_TRUE(connection.closed_by_server(3s));
    EXPECT_EQ(http_request(execd.port(), "GET", "/ping").status, 200);
}

TEST(ExecdProxyTest, AnUpstreamClosingMidBodyIsABadGateway) {
    ProxyUpstreamServer upstream;
    ExecdProcess execd;
    HttpConnection connection(execd.port());
    connection.send_raw(head("PUT", proxy_prefix(upstream) + "/drop", "Content-Length: 104857600"));
    connection.send_raw(std::string(1024 * 1024, 'x'));
    const auto response = connection.read_response();
    EXPECT_EQ(response.status, 502);
    EXPECT_EQ(response.body, "Bad Gateway");
    EXPECT_TRUE(connection.closed_by_server(3s));
}

TEST(ExecdProxyTest, AnAnswerCutShortClosesTheClientConnection) {
    ProxyUpstreamServer upstream;
    ExecdProcess execd;
    HttpConnection connection(execd.port());
    connection.send_request("GET", proxy_prefix(upstream) + "/partial");
    const auto response = connection.read_head();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.headers.at("content-length"), "100");
    EXPECT_TRUE(connection.closed_by_server(3s));
}

TEST(ExecdProxyTest, AClientAbortingMidBodyClosesTheUpstreamAndLeaksNothing) {
    ProxyUpstreamServer upstream;
    ExecdProcess execd;
    ASSERT_EQ(http_request(execd.port(), "GET", "/ping").status, 200);
    const std::size_t fds_before = count_open_fds(execd.pid());
    for (int i = 0; i < 3; ++i) {
        HttpConnection connection(execd.port());
        connection.send_raw(head("PUT", proxy_prefix(upstream) + "/count", "Content-Length: 104857600"));
        connection.send_raw(std::string(512 * 1024, 'x'));
        std::this_thread::sleep_for(50ms);
        connection.close();
    }
    EXPECT_TRUE(eventually([&] { return upstream.aborted_bodies() == 3; })) << upstream.aborted_bodies();
    EXPECT_EQ(http_request(execd.port(), "GET", "/ping").status, 200);
    EXPECT_TRUE(eventually([&] { return count_open_fds(execd.pid()) <= fds_before; }))
        << count_open_fds(execd.pid()) << " descriptors, " << fds_before << " before";
}

}  // namespace
}  // namespace execd_test
