// Cutting established connections to revoked addresses: a cut flow's conntrack entry is marked and
// the filter chain drops what the sandbox sends on it, whatever the peer sends first.
#include "nft/connection_cutter.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include "harness/command.hpp"
#include "harness/net_socket.hpp"
#include "harness/netns_scope.hpp"
#include "nft_fixture.hpp"

namespace egress::nft::testing {
namespace {

constexpr uint16_t kCutterOtherPort = 8443;
constexpr uint16_t kCutterPushPort = 9443;
// A flow that is still allowed answers within this even on a loaded machine; a cut one never does.
constexpr auto kCutterAnswered = 5000ms;
constexpr auto kCutterSilence = 1000ms;

// Up to `bytes` bytes from a non-blocking socket: less when `timeout` passes or the peer closes.
std::string cutter_receive(int fd, size_t bytes, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string received;
    while (received.size() < bytes) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd readable{fd, POLLIN, 0};
        if (left <= 0ms || ::poll(&readable, 1, static_cast<int>(left.count())) != 1) {
            break;
        }
        char chunk[256];
        const ssize_t count = ::recv(fd, chunk, std::min(sizeof chunk, bytes - received.size()), 0);
        if (count <= 0) {
            break;
        }
        received.append(chunk, static_cast<size_t>(count));
    }
    return received;
}

bool cutter_send(int fd, const std::string& payload) {
    return ::send(fd, payload.data(), payload.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(payload.size());
}

class ConnectionCutterTest : public LearningNftTest {
  protected:
    void SetUp() override {
        LearningNftTest::SetUp();
        if (IsSkipped()) {
            return;
        }
        servers_.push_back(std::make_unique<harness::EchoServer>(
            harness::EchoServerConfig{topology_->upstream(), "0.0.0.0", kCutterOtherPort, "v4-other"}));
        harness::NetnsScope scope(sandbox());
        cutter_ = std::make_unique<ConnectionCutter>();
    }

    std::unique_ptr<WriterThread> make_writer(std::shared_ptr<LearningGate> gate = nullptr) {
        return writer({}, std::move(gate));
    }

    // An open connection that has echoed once.
    std::unique_ptr<harness::HeldTcpConnection> open(const std::string& address, uint16_t port) {
        auto connection =
            std::make_unique<harness::HeldTcpConnection>(sandbox(), address, port, kCutterAnswered);
        EXPECT_TRUE(connection->connected()) << address << ":" << port;
        EXPECT_EQ(connection->echo("hello", kCutterAnswered), 0) << address << ":" << port;
        return connection;
    }

    std::unique_ptr<ConnectionCutter> cutter_;
};

common::IpAddress cutter_address(const std::string& text) {
    return common::IpAddress::parse_or_throw(text);
}

TEST_F(ConnectionCutterTest, WithoutTheCutAnEstablishedConnectionOutlivesItsRevokedAddress) {
    auto writer = make_writer();
    ASSERT_TRUE(writer->resolve_and_wait("kept.test", {resolved("198.18.30.1", 300)}));
    auto connection = open("198.18.30.1", kPort);
    const auto revoked = enforcer_->apply(FilterPolicy{}, no_name);
    ASSERT_EQ(revoked.addresses, std::vector{cutter_address("198.18.30.1")});
    EXPECT_FALSE(reachable("198.18.30.1")) << "a new connection is refused";
    EXPECT_EQ(connection->echo("still here", kCutterAnswered), 0) << "the established one is not";
}

TEST_F(ConnectionCutterTest, AConnectionToARevokedAddressLosesAccessAtOnce) {
    auto writer = make_writer();
    ASSERT_TRUE(writer->resolve_and_wait("cut.test", {resolved("198.18.30.2", 300)}));
    auto connection = open("198.18.30.2", kPort);
    const auto revoked = enforcer_->apply(FilterPolicy{}, no_name);
    ASSERT_EQ(revoked.addresses, std::vector{cutter_address("198.18.30.2")});
    EXPECT_GE(cutter_->cut(revoked), 1u);
    EXPECT_NE(connection->echo("after the cut", kCutterSilence), 0);
}

TEST_F(ConnectionCutterTest, APortedRevocationCutsOnlyThatProtocolAndPort) {
    const PortGrant two_ports{false, {{IPPROTO_TCP, kPort}, {IPPROTO_TCP, kCutterOtherPort}}};
    const PortGrant one_port{false, {{IPPROTO_TCP, kCutterOtherPort}}};
    auto writer = make_writer(std::make_shared<LearningGate>([&](std::string_view) { return &two_ports; }));
    ASSERT_TRUE(writer->resolve_and_wait("api.test", {resolved("198.18.31.1", 300)}));
    auto revoked_port = open("198.18.31.1", kPort);
    auto kept_port = open("198.18.31.1", kCutterOtherPort);

    const Revocation udp_only{{}, {{cutter_address("198.18.31.1"), {IPPROTO_UDP, kPort}}}};
    EXPECT_EQ(cutter_->cut(udp_only), 0u) << "a TCP flow on the same port number is not UDP";

    const auto revoked = enforcer_->apply(FilterPolicy{}, [&](std::string_view) { return &one_port; });
    ASSERT_EQ(revoked.ported,
              (std::vector<PortedAddress>{{cutter_address("198.18.31.1"), {IPPROTO_TCP, kPort}}}));
    EXPECT_EQ(cutter_->cut(revoked), 1u);
    EXPECT_NE(revoked_port->echo("after the cut", kCutterSilence), 0);
    EXPECT_EQ(kept_port->echo("other port", kCutterAnswered), 0);
}

TEST_F(ConnectionCutterTest, OnlyRevokedAddressesAreCutAndAnEmptyRevocationCutsNothing) {
    auto writer = make_writer();
    ASSERT_TRUE(writer->resolve_and_wait("a.denied.test", {resolved("198.18.32.1", 300)}));
    ASSERT_TRUE(writer->resolve_and_wait("b.allowed.test", {resolved("198.18.32.2", 300)}));
    auto denied = open("198.18.32.1", kPort);
    auto allowed = open("198.18.32.2", kPort);

    EXPECT_EQ(cutter_->cut(Revocation{}), 0u);
    EXPECT_EQ(denied->echo("empty revocation", kCutterAnswered), 0);

    const auto revoked = enforcer_->apply(FilterPolicy{}, [](std::string_view name) {
        return name.ends_with("denied.test") ? nullptr : &every_port();
    });
    ASSERT_EQ(revoked.addresses, std::vector{cutter_address("198.18.32.1")});
    EXPECT_EQ(cutter_->cut(revoked), 1u);
    EXPECT_NE(denied->echo("after the cut", kCutterSilence), 0);
    EXPECT_EQ(allowed->echo("untouched", kCutterAnswered), 0);
    EXPECT_EQ(cutter_->cut(revoked), 0u) << "nothing left to cut";
}

TEST_F(ConnectionCutterTest, ACutConnectionStaysCutWhenThePeerSpeaksNext) {
    auto writer = make_writer();
    ASSERT_TRUE(writer->resolve_and_wait("push.test", {resolved("198.18.33.1", 300)}));
    const auto address = harness::make_socket_address("198.18.33.1", kCutterPushPort);
    const auto listener = harness::make_bound_socket(topology_->upstream(), address, SOCK_STREAM);
    harness::HeldTcpConnection client(sandbox(), "198.18.33.1", kCutterPushPort, kCutterAnswered);
    ASSERT_TRUE(client.connected());
    pollfd pending{listener.get(), POLLIN, 0};
    ASSERT_EQ(::poll(&pending, 1, static_cast<int>(kCutterAnswered.count())), 1);
    const harness::UniqueFd server(::accept4(listener.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    ASSERT_TRUE(server);

    const auto revoked = enforcer_->apply(FilterPolicy{}, no_name);
    EXPECT_EQ(cutter_->cut(revoked), 1u);
    ASSERT_TRUE(cutter_send(server.get(), "push"));
    EXPECT_EQ(cutter_receive(client.fd(), 4, kCutterAnswered), "push") << "what comes in is not filtered";
    ASSERT_TRUE(cutter_send(client.fd(), "answer"));
    EXPECT_EQ(cutter_receive(server.get(), 6, kCutterSilence), "") << "the answer must not get out";
}

TEST_F(ConnectionCutterTest, AUdpFlowToARevokedAddressLosesAccessAtOnce) {
    auto writer = make_writer();
    ASSERT_TRUE(writer->resolve_and_wait("udp.test", {resolved("198.18.34.1", 300)}));
    const auto target = harness::make_socket_address("198.18.34.1", kPort);
    // Unconnected: the echo server's answers come from its interface's address, not the local route's.
    const harness::UniqueFd flow = harness::make_socket(sandbox(), AF_INET, SOCK_DGRAM);
    const auto send_datagram = [&](const std::string& payload) {
        return ::sendto(flow.get(), payload.data(), payload.size(), 0, target.get(), target.length) ==
               static_cast<ssize_t>(payload.size());
    };
    ASSERT_TRUE(send_datagram("one"));
    ASSERT_EQ(cutter_receive(flow.get(), 3, kCutterAnswered), "one");

    const auto revoked = enforcer_->apply(FilterPolicy{}, no_name);
    EXPECT_EQ(cutter_->cut(revoked), 1u);
    // The filter's drop of a datagram shows as EPERM to its sender.
    EXPECT_FALSE(send_datagram("two"));
    EXPECT_EQ(errno, EPERM);
    EXPECT_EQ(cutter_receive(flow.get(), 3, kCutterSilence), "");
}

TEST_F(ConnectionCutterTest, AnIpv6ConnectionToARevokedAddressLosesAccessAtOnce) {
    auto writer = make_writer();
    ASSERT_TRUE(writer->resolve_and_wait("v6.test", {resolved("2001:db8:99::30", 300)}));
    auto connection = open("2001:db8:99::30", kV6Port);
    const auto revoked = enforcer_->apply(FilterPolicy{}, no_name);
    ASSERT_EQ(revoked.addresses, std::vector{cutter_address("2001:db8:99::30")});
    EXPECT_EQ(cutter_->cut(revoked), 1u);
    EXPECT_NE(connection->echo("after the cut", kCutterSilence), 0);
}

}  // namespace
}  // namespace egress::nft::testing
