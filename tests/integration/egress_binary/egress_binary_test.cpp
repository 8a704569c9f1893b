// The real egress binary in a sandbox namespace, resolving through a DNS server in an upstream one.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <thread>

#include "egress_binary_fixture.hpp"
#include "harness/command.hpp"
#include "harness/dns_query.hpp"
#include "harness/echo_server.hpp"
#include "harness/net_clients.hpp"
#include "harness/net_socket.hpp"
#include "harness/require_netns.hpp"
#include "harness/socket_address.hpp"
#include "harness/test_dns_server.hpp"
#include "harness/topology.hpp"

namespace {

using namespace egress_binary_test;
using namespace std::chrono_literals;
using harness::kDnsTypeA;
using harness::Topology;

TEST_F(EgressBinaryTest, EnforcesThePolicyFromTheEnvironmentAndExitsCleanlyOnSigterm) {
    start({std::string("OPENSANDBOX_EGRESS_RULES=") + kAllowStarAllowed});
    ASSERT_TRUE(wait_until_serving()) << process_->read_log();
    EXPECT_EQ(query("www.allowed.test").addresses(), std::vector<std::string>{"198.51.100.10"});
    EXPECT_EQ(query("other.test").rcode, harness::kRcodeNxDomain);
    EXPECT_EQ(upstream_->query_count("other.test"), 0u);

    process_->signal(SIGTERM);
    auto status = process_->wait(5s);
    ASSERT_TRUE(status.has_value()) << "egress did not exit on SIGTERM\n" << process_->read_log();
    EXPECT_EQ(*status, 0);
    EXPECT_NE(process_->read_log().find("received shutdown signal"), std::string::npos);
}

TEST_F(EgressBinaryTest, PolicyFileWinsOverTheEnvironment) {
    const auto policy_file = work_dir_ / "policy.json";
    std::ofstream(policy_file)
        << R"({"defaultAction":"allow","egress":[{"action":"deny","target":"www.allowed.test"}]})";
    start({std::string("OPENSANDBOX_EGRESS_RULES=") + kAllowStarAllowed,
           "OPENSANDBOX_EGRESS_POLICY_FILE=" + policy_file.string()});
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!query("other.test").ok() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(50ms);
    }
    EXPECT_EQ(query("other.test").addresses(), std::vector<std::string>{"198.51.100.20"});
    EXPECT_EQ(query("www.allowed.test").rcode, harness::kRcodeNxDomain);
}

TEST_F(EgressBinaryTest, DenyAlwaysOverlayIsReloadedWhileRunning) {
    start({std::string("OPENSANDBOX_EGRESS_RULES=") + kAllowStarAllowed});
    ASSERT_TRUE(wait_until_serving()) << process_->read_log();
    std::ofstream(work_dir_ / "rules" / "deny.always") << "# operators' list\nwww.allowed.test\n";
    const auto deadline = std::chrono::steady_clock::now() + 12s;
    while (query("www.allowed.test").rcode != harness::kRcodeNxDomain &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(200ms);
    }
    EXPECT_EQ(query("www.allowed.test").rcode, harness::kRcodeNxDomain) << process_->read_log();
}

TEST_F(EgressBinaryTest, InvalidRulesAreAClearStartupError) {
    start({R"(OPENSANDBOX_EGRESS_RULES={"defaultAction":"maybe"})"});
    auto status = process_->wait(5s);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(*status, 1);
    EXPECT_NE(process_->read_log().find("defaultAction"), std::string::npos) << process_->read_log();
}

TEST_F(EgressBinaryTest, HostNameUpstreamIsRejected) {
    start({"OPENSANDBOX_EGRESS_DNS_UPSTREAM=dns.example"});
    auto status = process_->wait(5s);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(*status, 1);
    EXPECT_NE(process_->read_log().find("dns.example"), std::string::npos) << process_->read_log();
}

TEST_F(EgressBinaryTest, VersionFlagPrintsBuildInformation) {
    start({});
    process_.reset();
    process_ = std::make_unique<harness::NamespaceProcess>(
        topology_->spawn(topology_->sandbox(), {EGRESS_BINARY, "--version"}, work_dir_ / "version.log"));
    auto status = process_->wait(5s);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(*status, 0);
    const std::string output = process_->read_log();
    EXPECT_NE(output.find("Version     :"), std::string::npos);
    EXPECT_NE(output.find("Git Commit  :"), std::string::npos);
    EXPECT_NE(output.find("Build Time  :"), std::string::npos);
}

TEST_F(EgressBinaryTest, DnsModeInterceptsQueriesSentToAnyResolver) {
    start({"OPENSANDBOX_EGRESS_MODE=dns", std::string("OPENSANDBOX_EGRESS_RULES=") + kAllowStarAllowed});
    ASSERT_TRUE(wait_until_serving()) << process_->read_log();
    for (bool tcp : {false, true}) {
        EXPECT_EQ(query_real_resolver(*topology_, "other.test", tcp).rcode, harness::kRcodeNxDomain);
        auto allowed = query_real_resolver(*topology_, "www.allowed.test", tcp);
        EXPECT_EQ(allowed.addresses(), std::vector<std::string>{"198.51.100.10"})
            << "tcp=" << tcp << " error=" << allowed.error << " rcode=" << allowed.rcode << "\n"
            << nft_ruleset(*topology_) << process_->read_log();
    }
    EXPECT_EQ(upstream_->query_count("other.test"), 0u) << "a denied name reached the resolver";
}

// Allowed queries to the resolver address (redirected to the proxy) from one socket, in bursts
// of 32 paced at about 2 500 per second. Each burst waits (up to 100 ms) for its answers, so a
// slow (sanitizer) build is not offered more than it can answer: an open-loop load would fill the
// listener's queue and delay every other query on it, the probes included, by seconds.
void send_allowed_queries_until(const Topology& topology, const std::atomic<bool>& stop,
                                std::atomic<size_t>& answered) {
    constexpr uint16_t kBurst = 32;
    auto socket_fd = harness::make_socket(topology.sandbox(), AF_INET, SOCK_DGRAM);
    auto resolver = harness::make_socket_address(Topology::kUpstreamIpv4, 53);
    std::vector<uint8_t> reply(4096);
    const auto started = std::chrono::steady_clock::now();
    for (uint16_t id = 0; !stop; ++id) {
        const auto query = harness::build_dns_query("www.allowed.test", kDnsTypeA, id);
        sendto(socket_fd.get(), query.data(), query.size(), 0, resolver.get(), resolver.length);
        if (id % kBurst != kBurst - 1) {
            continue;
        }
        const auto burst_deadline = std::chrono::steady_clock::now() + 100ms;
        for (int outstanding = kBurst;
             outstanding > 0 && std::chrono::steady_clock::now() < burst_deadline;) {
            pollfd ready{socket_fd.get(), POLLIN, 0};
            poll(&ready, 1, 10);
            while (recv(socket_fd.get(), reply.data(), reply.size(), MSG_DONTWAIT) > 0) {
                ++answered;
                --outstanding;
            }
        }
        std::this_thread::sleep_until(started + std::chrono::microseconds(400) * (id + 1));
    }
}

// While allowed queries flow through the proxy from several threads, probes for denied names from
// fresh sockets (new source ports), over UDP and TCP, to IPv4 and IPv6 resolver addresses, must all
// be answered by the proxy and never reach a resolver.
void expect_no_dns_bypass_under_load(const Topology& topology, harness::TestDnsServer& upstream_v4,
                                     harness::TestDnsServer& upstream_v6) {
    std::atomic<bool> stop{false};
    std::atomic<size_t> load_answered{0};
    std::vector<std::thread> load;
    for (int thread = 0; thread < 2; ++thread) {
        load.emplace_back([&] { send_allowed_queries_until(topology, stop, load_answered); });
    }
    size_t probes = 0;
    size_t answered_by_proxy = 0;
    std::vector<std::string> unanswered;
    const auto started = std::chrono::steady_clock::now();
    // 200 probes spread over about two seconds of load. (Probing much faster cycles through the
    // ephemeral ports and trips over the conntrack entries of earlier probes, which tests conntrack.)
    for (int round = 0; round < 50; ++round) {
        std::this_thread::sleep_until(started + 40ms * (round + 1));
        for (const auto resolver : {Topology::kUpstreamIpv4, Topology::kUpstreamIpv6}) {
            for (bool tcp : {false, true}) {
                const std::string name = "probe" + std::to_string(probes++) + ".leak.test";
                auto result = harness::dns_query(topology.sandbox(), std::string(resolver), 53, name,
                                                 kDnsTypeA, tcp, 1000ms);
                if (result.error == ETIMEDOUT) {
                    // A client retries a lost datagram; what matters is that no retry escapes either.
                    result = harness::dns_query(topology.sandbox(), std::string(resolver), 53, name,
                                                kDnsTypeA, tcp, 1000ms);
                }
                if (result.ok() && result.rcode == harness::kRcodeNxDomain) {
                    ++answered_by_proxy;
                } else {
                    unanswered.push_back(name + " via " + std::string(resolver) + (tcp ? " tcp" : " udp") +
                                         " error " + std::to_string(result.error) + " rcode " +
                                         std::to_string(result.rcode));
                }
            }
        }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    stop = true;
    for (auto& thread : load) {
        thread.join();
    }
    // The pacing aims at ~5 000 queries/s; a slow (sanitizer) build may answer fewer, which still
    // exercises the redirect under load. Rates are figures for benchmarks, not assertions.
    EXPECT_GT(load_answered.load(), 1000u) << "the load did not run";
    std::cout << "load: " << static_cast<int>(load_answered.load() / seconds) << " answered queries/s\n";
    EXPECT_EQ(answered_by_proxy, probes) << ::testing::PrintToString(unanswered);
    for (auto* upstream : {&upstream_v4, &upstream_v6}) {
        for (const auto& received : upstream->queries()) {
            EXPECT_EQ(received.name.find("leak.test"), std::string::npos)
                << "reached a resolver: " << received.name;
        }
    }
}

TEST_F(EgressBinaryTest, NoDnsBypassUnderLoadInEitherMode) {
    harness::TestDnsServer upstream_v6(
        {topology_->upstream(), std::string(Topology::kUpstreamIpv6), 53, {}, 60});
    // Both modes with the nft redirect, then dns+nft with the iptables fallback.
    const std::pair<const char*, const char*> setups[] = {
        {"dns", "nft"}, {"dns+nft", "nft"}, {"dns+nft", "iptables"}};
    for (const auto& [mode, redirect] : setups) {
        SCOPED_TRACE(std::string(mode) + " redirect " + redirect);
        start({std::string("OPENSANDBOX_EGRESS_MODE=") + mode,
               std::string("OPENSANDBOX_EGRESS_REDIRECT=") + redirect,
               std::string("OPENSANDBOX_EGRESS_RULES=") + kAllowStarAllowed});
        ASSERT_TRUE(wait_until_serving()) << process_->read_log();
        expect_no_dns_bypass_under_load(*topology_, *upstream_, upstream_v6);
        process_->kill();
    }
}

// The proxy's upstream flows (marked) and redirected workload flows use the same tuples
// (sandbox:port -> resolver:53). Whichever came first, the other must not inherit its conntrack
// entry: a workload query stays redirected, a marked query still reaches the resolver.
TEST_F(EgressBinaryTest, MarkedAndWorkloadQueriesFromOnePortDoNotShareAConntrackEntry) {
    uint16_t port = 40053;
    for (const char* redirect : {"nft", "iptables"}) {
        SCOPED_TRACE(redirect);
        start({"OPENSANDBOX_EGRESS_MODE=dns+nft", std::string("OPENSANDBOX_EGRESS_REDIRECT=") + redirect,
               std::string("OPENSANDBOX_EGRESS_RULES=") + kAllowStarAllowed});
        ASSERT_TRUE(wait_until_serving()) << process_->read_log();
        auto ask = [&](uint16_t from, uint32_t mark, const std::string& name) {
            return harness::dns_query_udp_from(topology_->sandbox(), {from, mark},
                                               std::string(Topology::kUpstreamIpv4), 53, name, kDnsTypeA,
                                               1000ms);
        };
        auto expect_redirected = [&](uint16_t from, const std::string& name) {
            const auto result = ask(from, 0, name);
            EXPECT_TRUE(result.ok()) << name << ": error " << result.error << "\n" << nft_ruleset(*topology_);
            EXPECT_EQ(result.rcode, harness::kRcodeNxDomain) << name;
            EXPECT_EQ(upstream_->query_count(name), 0u) << name << " bypassed the proxy";
        };
        auto expect_reaches_resolver = [&](uint16_t from, const std::string& name) {
            EXPECT_EQ(ask(from, 0x1, name).rcode, harness::kRcodeNxDomain) << name;
            EXPECT_EQ(upstream_->query_count(name), 1u) << name << " (marked) did not reach the resolver";
        };
        const std::string suffix = std::string(".") + redirect + ".leak.test";

        expect_reaches_resolver(port, "marked-first" + suffix);
        expect_redirected(port, "workload-second" + suffix);
        ++port;
        expect_redirected(port, "workload-first" + suffix);
        expect_reaches_resolver(port, "marked-second" + suffix);
        ++port;
        process_->kill();
    }
}

TEST_F(EgressBinaryTest, DnsNftModeAllowsOnlyAddressesLearnedThroughAllowedLookups) {
    for (const char* host : {"198.51.100.10", "198.51.100.20"}) {
        topology_->add_upstream_address(host);
    }
    harness::EchoServer allowed_web({topology_->upstream(), "198.51.100.10", 80, "allowed"});
    harness::EchoServer other_web({topology_->upstream(), "198.51.100.20", 80, "other"});
    start({"OPENSANDBOX_EGRESS_MODE=dns+nft", std::string("OPENSANDBOX_EGRESS_RULES=") + kAllowStarAllowed});
    ASSERT_TRUE(wait_until_serving()) << process_->read_log();

    EXPECT_FALSE(harness::tcp_connect(topology_->sandbox(), "198.51.100.20", 80, 300ms).connected)
        << "an address never resolved must be unreachable";
    ASSERT_EQ(query_real_resolver(*topology_, "www.allowed.test").addresses(),
              std::vector<std::string>{"198.51.100.10"});
    EXPECT_TRUE(harness::tcp_connect(topology_->sandbox(), "198.51.100.10", 80, 1000ms).connected)
        << "the first connection after an allowed lookup must succeed";
    EXPECT_EQ(query_real_resolver(*topology_, "www.allowed.test", true).addresses(),
              std::vector<std::string>{"198.51.100.10"})
        << "the proxy's own TCP upstream connection must carry the mark from its first packet";
    EXPECT_EQ(query_real_resolver(*topology_, "other.test").rcode, harness::kRcodeNxDomain);
    EXPECT_FALSE(harness::tcp_connect(topology_->sandbox(), "198.51.100.20", 80, 300ms).connected);
    EXPECT_EQ(other_web.tcp_connections(), 0u);
}

TEST_F(EgressBinaryTest, RulesStayAfterSigtermAndRestartReplacesThemWithoutDuplicates) {
    start({"OPENSANDBOX_EGRESS_MODE=dns+nft", std::string("OPENSANDBOX_EGRESS_RULES=") + kAllowStarAllowed});
    ASSERT_TRUE(wait_until_serving()) << process_->read_log();
    const std::string first = nft_ruleset(*topology_);
    process_->signal(SIGTERM);
    ASSERT_EQ(process_->wait(5s), std::optional<int>(0));
    EXPECT_EQ(nft_ruleset(*topology_), first) << "fail closed: the rules stay after a graceful stop";

    start({"OPENSANDBOX_EGRESS_MODE=dns+nft", std::string("OPENSANDBOX_EGRESS_RULES=") + kAllowStarAllowed});
    ASSERT_TRUE(wait_until_serving()) << process_->read_log();
    process_->kill();
    start({"OPENSANDBOX_EGRESS_MODE=dns+nft", std::string("OPENSANDBOX_EGRESS_RULES=") + kAllowStarAllowed});
    ASSERT_TRUE(wait_until_serving()) << process_->read_log();
    const std::string after = nft_ruleset(*topology_);
    EXPECT_EQ(count_of(after, "table inet opensandbox"), 1u) << after;
    EXPECT_EQ(count_of(after, "chain egress"), 1u) << after;
    EXPECT_EQ(count_of(after, "ct state"), count_of(first, "ct state")) << after;
}

TEST_F(EgressBinaryTest, CleanupOnExitRemovesTheTable) {
    start({"OPENSANDBOX_EGRESS_MODE=dns+nft", "OPENSANDBOX_EGRESS_CLEANUP_ON_EXIT=true",
           std::string("OPENSANDBOX_EGRESS_RULES=") + kAllowStarAllowed});
    ASSERT_TRUE(wait_until_serving()) << process_->read_log();
    EXPECT_NE(nft_ruleset(*topology_).find("table inet opensandbox"), std::string::npos);
    process_->signal(SIGTERM);
    ASSERT_EQ(process_->wait(5s), std::optional<int>(0));
    EXPECT_EQ(nft_ruleset(*topology_).find("table inet opensandbox"), std::string::npos);
}

TEST_F(EgressBinaryTest, WithoutNetAdminItExitsWithAClearMessage) {
    std::vector<std::string> argv{"setpriv",
                                  "--inh-caps=-net_admin",
                                  "--bounding-set=-net_admin",
                                  "env",
                                  "OPENSANDBOX_EGRESS_MODE=dns+nft",
                                  "OPENSANDBOX_EGRESS_ALWAYS_RULES_DIR=" + (work_dir_ / "rules").string(),
                                  EGRESS_BINARY};
    process_ = std::make_unique<harness::NamespaceProcess>(
        topology_->spawn(topology_->sandbox(), argv, work_dir_ / "egress.log"));
    auto status = process_->wait(5s);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(*status, 1);
    EXPECT_NE(process_->read_log().find("CAP_NET_ADMIN"), std::string::npos) << process_->read_log();
    EXPECT_EQ(nft_ruleset(*topology_).find("opensandbox"), std::string::npos);
}

}  // namespace
