// Every transport mix a client can use, through egress, against each real DNS server from Debian.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <sstream>
#include <thread>

#include "harness/command.hpp"
#include "harness/dns_types.hpp"
#include "upstream_fixture.hpp"

namespace dns_upstreams_test {
namespace {

using harness::kDnsTypeA;
using harness::kDnsTypeAaaa;
using harness::RealDnsServerKind;

class TransportMatrixTest : public ::testing::TestWithParam<RealDnsServerKind> {
  protected:
    void SetUp() override {
        HARNESS_REQUIRE_NETNS();
        if (!harness::real_dns_server_installed(GetParam())) {
            GTEST_FAIL() << harness::name_of(GetParam())
                         << " is not installed (scripts/setup.sh installs it)";
        }
        fixture_ = std::make_unique<UpstreamFixture>(GetParam());
        ASSERT_TRUE(fixture_->wait_until_serving()) << fixture_->diagnostics();
    }

    UpstreamFixture& upstream() { return *fixture_; }

    // Answered, NOERROR, with exactly the zone's address for a.example.test.
    static void expect_answered(const harness::DnsQueryResult& result, const std::string& what) {
        ASSERT_TRUE(result.ok()) << what << ": error " << result.error;
        EXPECT_EQ(result.rcode, harness::kRcodeNoError) << what;
        EXPECT_EQ(result.addresses(), std::vector<std::string>{kAddress}) << what;
    }

    // The CNAME comes first. unbound answers from its local data without following the chain; the
    // others add the target's address.
    void expect_cname_to_a(const harness::DnsQueryResult& result, const std::string& how) {
        ASSERT_TRUE(result.ok()) << how << " cname: error " << result.error << "\n"
                                 << upstream().diagnostics();
        ASSERT_FALSE(result.answers.empty()) << how;
        EXPECT_EQ(result.answers.front().type, harness::kDnsTypeCname) << how;
        EXPECT_EQ(result.answers.front().data, "a.example.test") << how;
        if (GetParam() != RealDnsServerKind::unbound) {
            EXPECT_EQ(result.addresses(), std::vector<std::string>{kAddress}) << how << " cname";
        }
    }

    std::unique_ptr<UpstreamFixture> fixture_;
};

TEST_P(TransportMatrixTest, UdpAndTcpQueriesAreAnswered) {
    for (bool tcp : {false, true}) {
        const std::string how = tcp ? "tcp" : "udp";
        expect_answered(upstream().via_proxy("a.example.test", kDnsTypeA, tcp), how + " to the proxy");
        expect_answered(upstream().via_redirect("a.example.test", kDnsTypeA, tcp), how + " redirected");
        EXPECT_EQ(upstream().via_proxy("a.example.test", kDnsTypeAaaa, tcp).addresses(),
                  std::vector<std::string>{kAddress6})
            << how;
        expect_cname_to_a(upstream().via_redirect("www.example.test", kDnsTypeA, tcp), how);
    }
}

// The field report: one TCP query, and every later UDP query went unanswered.
TEST_P(TransportMatrixTest, UdpQueriesAfterATcpQueryAreAnswered) {
    for (int round = 0; round < 3; ++round) {
        expect_answered(upstream().via_proxy("a.example.test", kDnsTypeA, true),
                        "tcp, round " + std::to_string(round));
        for (const char* name : {"n1.example.test", "n2.example.test"}) {
            const auto result = upstream().via_redirect(name, kDnsTypeA, false, 2000ms);
            ASSERT_TRUE(result.ok()) << name << " after tcp, round " << round << ": error " << result.error
                                     << "\n"
                                     << upstream().diagnostics();
            EXPECT_EQ(result.rcode, harness::kRcodeNoError);
        }
    }
}

// Servers may serve one connection at a time or cap how many they keep: egress closes its
// connection to the upstream once nothing is pending on it.
TEST_P(TransportMatrixTest, NoUpstreamTcpConnectionIsKeptOnceIdle) {
    expect_answered(upstream().via_proxy("a.example.test", kDnsTypeA, true), "tcp");
    EXPECT_TRUE(upstream().upstream_tcp_closes_within(2000ms)) << upstream().open_upstream_tcp_connections();
}

// A client without EDNS takes 512 bytes over UDP: egress answers "truncated", the client retries
// over TCP and gets all of it. Upstream, egress's own UDP query is truncated too and retried over TCP.
TEST_P(TransportMatrixTest, TruncatedAnswersAreRetriedOverTcp) {
    const auto over_udp = upstream().via_proxy("big.example.test", kDnsTypeA, false);
    ASSERT_TRUE(over_udp.ok()) << over_udp.error << "\n" << upstream().diagnostics();
    EXPECT_EQ(over_udp.rcode, harness::kRcodeNoError);
    EXPECT_TRUE(over_udp.truncated);
    const auto over_tcp = upstream().via_redirect("big.example.test", kDnsTypeA, true);
    ASSERT_TRUE(over_tcp.ok()) << over_tcp.error;
    EXPECT_FALSE(over_tcp.truncated);
    EXPECT_EQ(over_tcp.addresses().size(), static_cast<size_t>(kBigRecordCount));
    expect_answered(upstream().via_redirect("a.example.test", kDnsTypeA, false), "udp after the retry");
    EXPECT_TRUE(upstream().upstream_tcp_closes_within(2000ms));
}

// A client that accepts 4096 bytes gets the whole answer over UDP, though the upstream truncated
// its own UDP answer to egress (these servers answer UDP with at most 1232 bytes).
TEST_P(TransportMatrixTest, LargeEdnsClientGetsTheWholeAnswerOverUdp) {
    const auto dig =
        harness::run_command({"ip", "netns", "exec", upstream().topology().sandbox(), "dig", "+bufsize=4096",
                              "+ignore", "+time=3", "+tries=1", "+short", "-p", std::to_string(kProxyPort),
                              "@" + std::string(kProxy), "big.example.test", "A"});
    ASSERT_EQ(dig.exit_code, 0) << dig.output << "\n" << upstream().diagnostics();
    EXPECT_EQ(std::count(dig.output.begin(), dig.output.end(), '\n'), kBigRecordCount) << dig.output;
    EXPECT_TRUE(upstream().upstream_tcp_closes_within(2000ms));
}

TEST_P(TransportMatrixTest, ManyClientsMixingUdpAndTcpAreAllAnswered) {
    constexpr int kClients = 12;
    constexpr int kQueriesEach = 30;
    std::atomic<int> answered{0};
    std::vector<std::string> failures[kClients];
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
        clients.emplace_back([&, c] {
            for (int q = 0; q < kQueriesEach; ++q) {
                const bool tcp = (c + q) % 2 == 0;
                const std::string name = "n" + std::to_string((c * kQueriesEach + q) % 30) + ".example.test";
                const auto result = (q % 3 == 0) ? upstream().via_redirect(name, kDnsTypeA, tcp)
                                                 : upstream().via_proxy(name, kDnsTypeA, tcp);
                if (result.ok() && result.rcode == harness::kRcodeNoError && result.addresses().size() == 1) {
                    ++answered;
                } else {
                    std::ostringstream failure;
                    failure << name << (tcp ? " tcp" : " udp") << ": error " << result.error << " rcode "
                            << result.rcode;
                    failures[c].push_back(failure.str());
                }
            }
        });
    }
    for (auto& client : clients) {
        client.join();
    }
    EXPECT_EQ(answered.load(), kClients * kQueriesEach);
    for (const auto& client_failures : failures) {
        for (const auto& failure : client_failures) {
            ADD_FAILURE() << failure;
        }
    }
    EXPECT_TRUE(upstream().upstream_tcp_closes_within(2000ms));
}

INSTANTIATE_TEST_SUITE_P(RealServers, TransportMatrixTest,
                         ::testing::Values(RealDnsServerKind::dnsmasq, RealDnsServerKind::unbound,
                                           RealDnsServerKind::nsd, RealDnsServerKind::bind9),
                         [](const auto& param_info) {
                             return std::string(harness::name_of(param_info.param));
                         });

}  // namespace
}  // namespace dns_upstreams_test
