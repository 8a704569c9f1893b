// Minutes of mixed UDP and TCP load through egress to unbound, which is killed and restarted in the
// middle: every query is answered (SERVFAIL while the upstream is down) within egress's upstream
// timeout, none is left waiting, and egress's memory stays flat. Prints its figures.
// SOAK_SECONDS sets the length (default 150, at least 30).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <future>
#include <iostream>
#include <regex>

#include "harness/command.hpp"
#include "harness/process_memory.hpp"
#include "upstream_fixture.hpp"

namespace dns_upstreams_test {
namespace {

constexpr int kUpstreamTimeoutSeconds = 2;
constexpr int kUdpQueriesPerSecond = 2500;
constexpr int kTcpQueriesPerSecond = 500;

int soak_seconds() {
    const char* text = std::getenv("SOAK_SECONDS");
    constexpr int kShortest = 30;  // room for two upstream restarts
    return text == nullptr ? 150 : std::max(std::atoi(text), kShortest);
}

struct LoadFigures {
    long sent = -1;
    long completed = -1;
    long lost = -1;
    std::string response_codes;
    std::string output;
};

long figure(const std::string& text, const std::string& label) {
    std::smatch match;
    if (std::regex_search(text, match, std::regex(label + R"(:\s+([0-9]+))"))) {
        return std::stol(match[1]);
    }
    return -1;
}

std::string response_codes(const std::string& text) {
    std::smatch match;
    return std::regex_search(text, match, std::regex(R"(Response codes:\s+([^\n]*))")) ? match[1].str() : "";
}

// dnsperf from inside the sandbox against the resolver the workload was given (the nat redirect
// takes it to the proxy). A query unanswered after the upstream timeout plus a second is "lost".
LoadFigures run_dnsperf(const std::string& netns, const std::filesystem::path& names, const std::string& mode,
                        int rate, int seconds) {
    const auto result = harness::run_command({"ip",
                                              "netns",
                                              "exec",
                                              netns,
                                              "dnsperf",
                                              "-s",
                                              std::string(harness::Topology::kUpstreamIpv4),
                                              "-p",
                                              "53",
                                              "-m",
                                              mode,
                                              "-d",
                                              names.string(),
                                              "-l",
                                              std::to_string(seconds),
                                              "-Q",
                                              std::to_string(rate),
                                              "-c",
                                              mode == "tcp" ? "4" : "1",
                                              "-q",
                                              "200",
                                              "-t",
                                              std::to_string(kUpstreamTimeoutSeconds + 1)});
    return {figure(result.output, "Queries sent"), figure(result.output, "Queries completed"),
            figure(result.output, "Queries lost"), response_codes(result.output), result.output};
}

// The proxy's gauge of queries waiting for an upstream, read from /metrics.
long queries_in_flight(const std::string& netns) {
    const auto metrics = harness::run_command(
        {"ip", "netns", "exec", netns, "curl", "-s", "--max-time", "2", "http://127.0.0.1:18080/metrics"});
    std::smatch match;
    if (std::regex_search(metrics.output, match, std::regex(R"(\negress_dns_queries_in_flight ([0-9.]+))"))) {
        return std::lround(std::stod(match[1]));
    }
    return -1;
}

TEST(DnsUpstreamSoak, MixedUdpAndTcpLoadWithUpstreamRestartsIsAllAnsweredInTime) {
    HARNESS_REQUIRE_NETNS();
    UpstreamFixture upstream(
        harness::RealDnsServerKind::unbound,
        {"OPENSANDBOX_EGRESS_DNS_UPSTREAM_TIMEOUT=" + std::to_string(kUpstreamTimeoutSeconds)});
    ASSERT_TRUE(upstream.wait_until_serving()) << upstream.diagnostics();
    const auto names =
        std::filesystem::temp_directory_path() / ("soak-names-" + upstream.topology().sandbox());
    {
        std::ofstream out(names);
        for (int i = 0; i < 30; ++i) {
            out << "n" << i << ".example.test A\n";
        }
        out << "a.example.test AAAA\nwww.example.test A\nbig.example.test A\n";
    }
    const int seconds = soak_seconds();
    const pid_t egress_pid = upstream.egress().pid();

    auto udp = std::async(std::launch::async, run_dnsperf, upstream.topology().sandbox(), names, "udp",
                          kUdpQueriesPerSecond, seconds);
    auto tcp = std::async(std::launch::async, run_dnsperf, upstream.topology().sandbox(), names, "tcp",
                          kTcpQueriesPerSecond, seconds);
    std::this_thread::sleep_for(std::chrono::seconds(seconds / 5));
    const long warm_kib = harness::resident_kib(egress_pid);
    int restarts = 0;
    for (int at = seconds / 5; at + 15 < seconds; at += seconds / 5) {
        upstream.server().restart();
        ++restarts;
        std::this_thread::sleep_for(std::chrono::seconds(seconds / 5));
    }
    const LoadFigures udp_figures = udp.get();
    const LoadFigures tcp_figures = tcp.get();
    const long end_kib = harness::resident_kib(egress_pid);
    std::filesystem::remove(names);

    std::cout << "soak: " << seconds << " s, " << restarts << " upstream restarts; udp sent "
              << udp_figures.sent << " completed " << udp_figures.completed << " lost " << udp_figures.lost
              << " (" << udp_figures.response_codes << "); tcp sent " << tcp_figures.sent << " completed "
              << tcp_figures.completed << " lost " << tcp_figures.lost << " (" << tcp_figures.response_codes
              << "); egress RSS " << warm_kib << " KiB warm, " << end_kib << " KiB at the end" << std::endl;
    for (const auto* load : {&udp_figures, &tcp_figures}) {
        ASSERT_GT(load->sent, 0) << load->output;
        EXPECT_EQ(load->lost, 0) << load->output;
        EXPECT_EQ(load->completed, load->sent) << load->output;
    }
    EXPECT_GE(restarts, 2);
    EXPECT_GT(udp_figures.sent, static_cast<long>(seconds) * kUdpQueriesPerSecond / 2)
        << "the load never got going";
    EXPECT_EQ(queries_in_flight(upstream.topology().sandbox()), 0) << "queries left waiting";
    EXPECT_TRUE(upstream.upstream_tcp_closes_within(3000ms));
    // Flat: what it took once warm, plus room for allocator noise; a per-query leak at this rate
    // would add hundreds of megabytes.
    EXPECT_LE(end_kib, warm_kib + warm_kib / 4 + 4096) << upstream.diagnostics();
}

}  // namespace
}  // namespace dns_upstreams_test
