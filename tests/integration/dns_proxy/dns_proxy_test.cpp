// The DNS proxy in a sandbox namespace, forwarding to a real DNS server in an upstream namespace.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <set>
#include <thread>

#include "harness/dns_query.hpp"
#include "harness/net_socket.hpp"
#include "harness/require_netns.hpp"
#include "harness/socket_address.hpp"
#include "harness/test_dns_server.hpp"
#include "harness/topology.hpp"
#include "proxy_under_test.hpp"

namespace egress::dns::testing {
namespace {

using namespace std::chrono_literals;
using harness::kDnsTypeA;
using harness::kDnsTypeAaaa;
using harness::Topology;

constexpr uint16_t kProxyPort = 15353;
constexpr const char* kProxyAddress = "127.0.0.1";

// Denies "denied.test" and everything below it; allows the rest. (The real policy engine has its
// own tests; here the point is what the proxy does with a verdict.)
class DeniedSuffixPolicy : public QueryPolicy {
  public:
    NameJudgement judge(std::string_view name, uint16_t /*query_type*/) const override {
        const bool denied = name == "denied.test" || name.ends_with(".denied.test");
        return {denied ? NameVerdict::deny : NameVerdict::allow};
    }
};

harness::DnsZone test_zone() {
    harness::DnsZone zone;
    zone.add_a("a.allowed.test", "198.51.100.10");
    zone.add_aaaa("a.allowed.test", "2001:db8:1::10");
    zone.add_cname("www.allowed.test", "edge.cdn.test");
    zone.add_cname("edge.cdn.test", "a.allowed.test");
    zone.add_a("x.denied.test", "198.51.100.66");
    zone.add_a("denied.test", "198.51.100.66");
    return zone;
}

ForwarderOptions forward_to(std::vector<std::string> upstreams, std::chrono::milliseconds timeout = 1000ms) {
    ForwarderOptions options;
    for (const auto& text : upstreams) {
        options.upstreams.push_back(common::IpEndpoint::parse_or_throw(text, 53));
    }
    options.timeout = timeout;
    options.probe_timeout = 300ms;
    return options;
}

ProxyOptions listen_on_loopback() {
    ProxyOptions options;
    options.listen = {common::IpEndpoint::parse_or_throw("127.0.0.1:15353", 53),
                      common::IpEndpoint::parse_or_throw("[::1]:15353", 53)};
    options.tcp_idle_timeout = 2000ms;
    return options;
}

class DnsProxyTest : public ::testing::Test {
  protected:
    void SetUp() override {
        HARNESS_REQUIRE_NETNS();
        topology_ = std::make_unique<Topology>();
        upstream_ = std::make_unique<harness::TestDnsServer>(harness::TestDnsServerConfig{
            topology_->upstream(), std::string(Topology::kUpstreamIpv4), 53, test_zone(), 120});
        proxy_ = std::make_unique<ProxyUnderTest>(topology_->sandbox(), forward_to({"10.77.0.1"}),
                                                  listen_on_loopback(), policy_);
    }

    harness::DnsQueryResult query(const std::string& name, uint16_t type, bool tcp = false,
                                  const char* server = kProxyAddress) {
        return harness::dns_query(topology_->sandbox(), server, kProxyPort, name, type, tcp);
    }

    DeniedSuffixPolicy policy_;
    std::unique_ptr<Topology> topology_;
    std::unique_ptr<harness::TestDnsServer> upstream_;
    std::unique_ptr<ProxyUnderTest> proxy_;
};

TEST_F(DnsProxyTest, ResolvesAllowedNamesOverUdpAndTcpOnBothFamilies) {
    for (bool tcp : {false, true}) {
        for (const char* server : {"127.0.0.1", "::1"}) {
            auto a = query("a.allowed.test", kDnsTypeA, tcp, server);
            ASSERT_TRUE(a.ok()) << server << " tcp=" << tcp << " error " << a.error;
            EXPECT_EQ(a.rcode, harness::kRcodeNoError);
            EXPECT_EQ(a.addresses(), std::vector<std::string>{"198.51.100.10"});
            auto aaaa = query("a.allowed.test", kDnsTypeAaaa, tcp, server);
            EXPECT_EQ(aaaa.addresses(), std::vector<std::string>{"2001:db8:1::10"});
        }
    }
    EXPECT_GE(upstream_->query_count("a.allowed.test"), 8u);
}

TEST_F(DnsProxyTest, FollowsCnameChainsInTheUpstreamAnswer) {
    auto result = query("www.allowed.test", kDnsTypeA);
    ASSERT_TRUE(result.ok());
    ASSERT_EQ(result.answers.size(), 3u);
    EXPECT_EQ(result.answers[0].type, harness::kDnsTypeCname);
    EXPECT_EQ(result.addresses(), std::vector<std::string>{"198.51.100.10"});
}

TEST_F(DnsProxyTest, DeniedNamesGetNxdomainAndNeverReachTheUpstream) {
    const std::vector<uint16_t> types{kDnsTypeA,  kDnsTypeAaaa, harness::kDnsTypeTxt, 15 /*MX*/,
                                      12 /*PTR*/, 33 /*SRV*/,   65 /*HTTPS*/,         255 /*ANY*/};
    const std::vector<std::string> names{"denied.test", "x.denied.test", "X.DENIED.test",
                                         "deep.x.Denied.Test.", "denied.test."};
    for (bool tcp : {false, true}) {
        for (const auto& name : names) {
            for (uint16_t type : types) {
                auto result = query(name, type, tcp);
                ASSERT_TRUE(result.ok()) << name << " type " << type << " tcp=" << tcp;
                EXPECT_EQ(result.rcode, harness::kRcodeNxDomain) << name << " type " << type;
                EXPECT_TRUE(result.answers.empty());
            }
        }
    }
    for (const auto& received : upstream_->queries()) {
        EXPECT_EQ(received.name.find("enied"), std::string::npos) << "leaked: " << received.name;
    }
    EXPECT_EQ(proxy_->metrics().denied.value(), 2 * names.size() * types.size());
}

TEST_F(DnsProxyTest, DeniedReplyEchoesIdAndQuestion) {
    auto result = query("X.Denied.Test", kDnsTypeA);
    ASSERT_TRUE(result.ok());
    EXPECT_TRUE(result.qr);
    EXPECT_EQ(result.question_name, "X.Denied.Test");
    EXPECT_EQ(result.question_type, kDnsTypeA);
}

// Raw datagram exchange from inside the sandbox: the reply, or nothing within `wait`.
std::optional<std::vector<uint8_t>> exchange_datagram(const std::string& netns,
                                                      const std::vector<uint8_t>& bytes,
                                                      std::chrono::milliseconds wait = 300ms) {
    auto socket_fd = harness::make_socket(netns, AF_INET, SOCK_DGRAM);
    auto address = harness::make_socket_address(kProxyAddress, kProxyPort);
    EXPECT_EQ(sendto(socket_fd.get(), bytes.data(), bytes.size(), 0, address.get(), address.length),
              static_cast<ssize_t>(bytes.size()));
    pollfd ready{socket_fd.get(), POLLIN, 0};
    if (poll(&ready, 1, static_cast<int>(wait.count())) != 1) {
        return std::nullopt;
    }
    std::vector<uint8_t> reply(65535);
    const ssize_t received = recv(socket_fd.get(), reply.data(), reply.size(), 0);
    reply.resize(received > 0 ? static_cast<size_t>(received) : 0);
    return reply;
}

std::vector<uint8_t> header(uint16_t id, uint16_t qdcount) {
    return {static_cast<uint8_t>(id >> 8),
            static_cast<uint8_t>(id),
            0x01,
            0,
            0,
            static_cast<uint8_t>(qdcount),
            0,
            0,
            0,
            0,
            0,
            0};
}

int rcode_of(const std::vector<uint8_t>& reply) {
    return reply.size() >= 4 ? reply[3] & 0x0F : -1;
}

TEST_F(DnsProxyTest, MalformedPacketsGetTheRightReplyOrNoneAndServiceContinues) {
    const auto& sandbox = topology_->sandbox();
    EXPECT_FALSE(exchange_datagram(sandbox, {0x12, 0x34, 0x01}).has_value()) << "runt: no reply";

    auto no_question = exchange_datagram(sandbox, header(0x0101, 0));
    ASSERT_TRUE(no_question.has_value());
    EXPECT_EQ(rcode_of(*no_question), harness::kRcodeFormErr);
    EXPECT_EQ((*no_question)[0] << 8 | (*no_question)[1], 0x0101);

    auto two_questions = header(0x0202, 2);
    for (int i = 0; i < 2; ++i) {
        two_questions.insert(two_questions.end(), {1, 'a', 7,   'a', 'l', 'l', 'o', 'w', 'e', 'd',
                                                   4, 't', 'e', 's', 't', 0,   0,   1,   0,   1});
    }
    auto two = exchange_datagram(sandbox, two_questions);
    ASSERT_TRUE(two.has_value());
    EXPECT_EQ(rcode_of(*two), harness::kRcodeFormErr);

    auto loop = header(0x0303, 1);
    loop.insert(loop.end(), {0xC0, 12, 0, 1, 0, 1});
    auto looped = exchange_datagram(sandbox, loop);
    ASSERT_TRUE(looped.has_value());
    EXPECT_EQ(rcode_of(*looped), harness::kRcodeFormErr);

    auto response = header(0x0404, 1);
    response[2] |= 0x80;
    EXPECT_FALSE(exchange_datagram(sandbox, response).has_value()) << "responses are ignored";

    // A TCP client announcing 65535 bytes and sending 3 must not wedge anything.
    auto stuck = harness::make_socket(sandbox, AF_INET, SOCK_STREAM);
    auto address = harness::make_socket_address(kProxyAddress, kProxyPort);
    connect(stuck.get(), address.get(), address.length);
    std::this_thread::sleep_for(50ms);
    const uint8_t oversized[] = {0xFF, 0xFF, 1, 2, 3};
    send(stuck.get(), oversized, sizeof oversized, MSG_NOSIGNAL);

    auto after = query("a.allowed.test", kDnsTypeA);
    ASSERT_TRUE(after.ok());
    EXPECT_EQ(after.addresses(), std::vector<std::string>{"198.51.100.10"});
    for (const auto& received : upstream_->queries()) {
        // Only the health probe (the root name) and the one good query may have been forwarded.
        EXPECT_TRUE(received.name.empty() || received.name == "a.allowed.test")
            << "forwarded: " << received.name;
    }
    EXPECT_EQ(upstream_->query_count("a.allowed.test"), 1u);
}

TEST_F(DnsProxyTest, PipelinedTcpQueriesAllGetAnswers) {
    auto results = harness::dns_query_tcp_pipelined(
        topology_->sandbox(), kProxyAddress, kProxyPort,
        {{"a.allowed.test", kDnsTypeA}, {"x.denied.test", kDnsTypeA}, {"a.allowed.test", kDnsTypeAaaa}});
    ASSERT_EQ(results.size(), 3u);
    EXPECT_EQ(results[0].addresses(), std::vector<std::string>{"198.51.100.10"});
    EXPECT_EQ(results[1].rcode, harness::kRcodeNxDomain);
    EXPECT_EQ(results[2].addresses(), std::vector<std::string>{"2001:db8:1::10"});
}

TEST_F(DnsProxyTest, TruncatedUpstreamAnswerIsRetriedOverTcp) {
    upstream_->set_failure_mode(harness::DnsFailureMode::truncate);
    auto result = query("a.allowed.test", kDnsTypeA);
    ASSERT_TRUE(result.ok());
    EXPECT_FALSE(result.truncated);
    EXPECT_EQ(result.addresses(), std::vector<std::string>{"198.51.100.10"});
    bool saw_tcp = false;
    for (const auto& received : upstream_->queries()) {
        saw_tcp = saw_tcp || received.transport == harness::DnsTransport::tcp;
    }
    EXPECT_TRUE(saw_tcp);
}

TEST_F(DnsProxyTest, SlowUpstreamDoesNotDelayOtherQueries) {
    upstream_->set_delay(1500ms);
    std::thread slow([&] {
        auto result = query("a.allowed.test", kDnsTypeA);
        EXPECT_TRUE(result.ok());
    });
    std::this_thread::sleep_for(100ms);
    const auto start = std::chrono::steady_clock::now();
    auto denied = query("x.denied.test", kDnsTypeA);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(denied.rcode, harness::kRcodeNxDomain);
    EXPECT_LT(elapsed, 500ms) << "the denied answer waited for the slow upstream";
    slow.join();
}

TEST_F(DnsProxyTest, TenThousandConcurrentQueriesFromManySocketsAreAllAnswered) {
    // The product's default upstream timeout: the last of 5 000 forwarded queries sent in one burst
    // may wait longer than the fixture's short timeout on a slow (sanitizer) build.
    proxy_.reset();
    proxy_ = std::make_unique<ProxyUnderTest>(topology_->sandbox(), forward_to({"10.77.0.1"}, 5000ms),
                                              listen_on_loopback(), policy_);
    constexpr int kSockets = 100;
    constexpr int kQueriesPerSocket = 100;
    auto address = harness::make_socket_address(kProxyAddress, kProxyPort);
    std::vector<harness::UniqueFd> sockets;
    for (int s = 0; s < kSockets; ++s) {
        sockets.push_back(harness::make_socket(topology_->sandbox(), AF_INET, SOCK_DGRAM));
        const int buffer = 1 << 20;
        setsockopt(sockets.back().get(), SOL_SOCKET, SO_RCVBUFFORCE, &buffer, sizeof buffer);
    }
    // Even ids ask an allowed name, odd ids a denied one.
    for (uint16_t id = 0; id < kQueriesPerSocket; ++id) {
        const auto wire =
            harness::build_dns_query(id % 2 == 0 ? "a.allowed.test" : "q.denied.test", kDnsTypeA, id);
        for (auto& socket_fd : sockets) {
            ASSERT_EQ(sendto(socket_fd.get(), wire.data(), wire.size(), 0, address.get(), address.length),
                      static_cast<ssize_t>(wire.size()));
        }
    }
    std::vector<std::set<uint16_t>> answered(kSockets);
    size_t total = 0;
    size_t wrong = 0;
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    std::vector<uint8_t> reply(4096);
    while (total < static_cast<size_t>(kSockets * kQueriesPerSocket) &&
           std::chrono::steady_clock::now() < deadline) {
        std::vector<pollfd> fds;
        for (auto& socket_fd : sockets) {
            fds.push_back({socket_fd.get(), POLLIN, 0});
        }
        poll(fds.data(), fds.size(), 100);
        for (size_t s = 0; s < fds.size(); ++s) {
            while (recv(fds[s].fd, reply.data(), reply.size(), MSG_DONTWAIT) >= 12) {
                const auto id = static_cast<uint16_t>(reply[0] << 8 | reply[1]);
                const int expected = id % 2 == 0 ? harness::kRcodeNoError : harness::kRcodeNxDomain;
                if (rcode_of(reply) != expected) {
                    ++wrong;
                    ADD_FAILURE() << "id " << id << " got rcode " << rcode_of(reply);
                }
                total += answered[s].insert(id).second ? 1 : 0;
            }
        }
    }
    EXPECT_EQ(total, static_cast<size_t>(kSockets * kQueriesPerSocket));
    EXPECT_EQ(wrong, 0u);
    EXPECT_EQ(proxy_->metrics().overloaded.value(), 0u);
}

// Failover scenarios use their own proxies, so they get their own fixture-free tests.
class DnsProxyFailoverTest : public DnsProxyTest {};

TEST_F(DnsProxyFailoverTest, DeadFirstUpstreamFailsOverToTheNext) {
    proxy_.reset();
    topology_->add_upstream_address("198.51.100.53");  // nothing listens there: port unreachable
    upstream_->set_delay(0ms);
    proxy_ = std::make_unique<ProxyUnderTest>(
        topology_->sandbox(), forward_to({"198.51.100.53", "10.77.0.1"}), listen_on_loopback(), policy_);
    for (int i = 0; i < 3; ++i) {
        auto result = query("a.allowed.test", kDnsTypeA);
        ASSERT_TRUE(result.ok());
        EXPECT_EQ(result.addresses(), std::vector<std::string>{"198.51.100.10"});
    }
}

TEST_F(DnsProxyFailoverTest, SilentFirstUpstreamCostsOneTimeoutThenIsSkipped) {
    proxy_.reset();
    harness::TestDnsServer silent({topology_->upstream(), "10.77.0.1", 5300, test_zone(), 60});
    silent.set_failure_mode(harness::DnsFailureMode::drop);
    proxy_ = std::make_unique<ProxyUnderTest>(topology_->sandbox(),
                                              forward_to({"10.77.0.1:5300", "10.77.0.1"}, 700ms),
                                              listen_on_loopback(), policy_);
    std::this_thread::sleep_for(500ms);  // the first probe round marks the silent upstream unhealthy
    const auto start = std::chrono::steady_clock::now();
    auto result = query("a.allowed.test", kDnsTypeA);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 300ms) << "the probed-dead upstream was tried first";
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result.addresses(), std::vector<std::string>{"198.51.100.10"});
}

// The first upstream answers the start-up probe and fails only afterwards: a probe answered
// SERVFAIL would take it out of the order, and this test is about failing over on an answer.
TEST_F(DnsProxyFailoverTest, ServfailFromTheFirstUpstreamFailsOver) {
    proxy_.reset();
    harness::TestDnsServer failing({topology_->upstream(), "10.77.0.1", 5301, test_zone(), 60});
    proxy_ = std::make_unique<ProxyUnderTest>(
        topology_->sandbox(), forward_to({"10.77.0.1:5301", "10.77.0.1"}), listen_on_loopback(), policy_);
    const auto probed_by = std::chrono::steady_clock::now() + 3s;
    while (failing.query_count("") == 0 && std::chrono::steady_clock::now() < probed_by) {
        std::this_thread::sleep_for(10ms);
    }
    ASSERT_GE(failing.query_count(""), 1u) << "the start-up probe never arrived";
    failing.set_failure_mode(harness::DnsFailureMode::servfail);
    auto result = query("a.allowed.test", kDnsTypeA);
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result.rcode, harness::kRcodeNoError);
    EXPECT_GE(failing.query_count("a.allowed.test"), 1u);
}

TEST_F(DnsProxyFailoverTest, AllUpstreamsDeadGivesServfailWithinTheTimeout) {
    proxy_.reset();
    upstream_->set_failure_mode(harness::DnsFailureMode::drop);
    proxy_ = std::make_unique<ProxyUnderTest>(topology_->sandbox(), forward_to({"10.77.0.1"}, 400ms),
                                              listen_on_loopback(), policy_);
    const auto start = std::chrono::steady_clock::now();
    auto result = harness::dns_query(topology_->sandbox(), kProxyAddress, kProxyPort, "a.allowed.test",
                                     kDnsTypeA, false, 3000ms);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result.rcode, harness::kRcodeServFail);
    EXPECT_LT(elapsed, 1500ms);
    EXPECT_EQ(proxy_->metrics().upstream_failed.value(), 1u);
}

}  // namespace
}  // namespace egress::dns::testing
