#include "harness/echo_server.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <optional>

#include "harness/net_clients.hpp"
#include "harness/require_netns.hpp"
#include "harness/topology.hpp"

namespace {

class EchoServerTest : public testing::Test {
  protected:
    void SetUp() override {
        HARNESS_REQUIRE_NETNS();
        topology_.emplace();
        server_.emplace(harness::EchoServerConfig{topology_->upstream(), "10.77.0.1", 8080, "upstream-web"});
    }

    const std::string& sandbox() const { return topology_->sandbox(); }

    std::optional<harness::Topology> topology_;
    std::optional<harness::EchoServer> server_;
};

TEST_F(EchoServerTest, TcpEchoesBytesAndCountsConnections) {
    EXPECT_EQ(harness::tcp_echo(sandbox(), "10.77.0.1", 8080, "hello").reply, "hello");
    EXPECT_EQ(harness::tcp_echo(sandbox(), "10.77.0.1", 8080, "GO").reply, "GO") << "a short non-GET echoes";
    EXPECT_EQ(server_->tcp_connections(), 2u);
    EXPECT_EQ(server_->http_requests(), 0u);
}

TEST_F(EchoServerTest, HttpGetGetsA200NamingTheServer) {
    const auto response = harness::http_get(sandbox(), "10.77.0.1", 8080, "/anything");
    ASSERT_EQ(response.error, 0);
    EXPECT_EQ(response.status, 200);
    EXPECT_TRUE(response.raw.starts_with("HTTP/1.0 200 OK\r\n")) << response.raw;
    EXPECT_EQ(response.body, "served-by upstream-web\n");
    EXPECT_EQ(server_->http_requests(), 1u);
}

TEST_F(EchoServerTest, UdpEchoesDatagramsAndCountsThem) {
    EXPECT_EQ(harness::udp_echo(sandbox(), "10.77.0.1", 8080, "one").reply, "one");
    EXPECT_EQ(harness::udp_echo(sandbox(), "10.77.0.1", 8080, "two").reply, "two");
    EXPECT_EQ(server_->udp_datagrams(), 2u);
}

TEST_F(EchoServerTest, ClosedPortsAreRefused) {
    const auto tcp = harness::tcp_connect(sandbox(), "10.77.0.1", 9);
    EXPECT_FALSE(tcp.connected);
    EXPECT_EQ(tcp.error, ECONNREFUSED);
    EXPECT_EQ(harness::udp_echo(sandbox(), "10.77.0.1", 9, "x").error, ECONNREFUSED);
    EXPECT_TRUE(harness::tcp_connect(sandbox(), "10.77.0.1", 8080).connected);
}

TEST_F(EchoServerTest, PortZeroPicksTheSameFreePortForTcpAndUdp) {
    const harness::EchoServer any({topology_->upstream(), "fd77::1", 0, "any"});
    ASSERT_NE(any.port(), 0);
    EXPECT_TRUE(harness::tcp_connect(sandbox(), "fd77::1", any.port()).connected);
    EXPECT_EQ(harness::udp_echo(sandbox(), "fd77::1", any.port(), "p").reply, "p");
}

}  // namespace
