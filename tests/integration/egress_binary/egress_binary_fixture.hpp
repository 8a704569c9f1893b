#pragma once
// Runs the real egress binary in a sandbox namespace, resolving through a DNS server in an
// upstream one; shared by the binary tests.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <thread>

#include "harness/command.hpp"
#include "harness/dns_query.hpp"
#include "harness/require_netns.hpp"
#include "harness/scratch_cgroup.hpp"
#include "harness/test_dns_server.hpp"
#include "harness/topology.hpp"

namespace egress_binary_test {

using namespace std::chrono_literals;
using harness::kDnsTypeA;
using harness::Topology;

inline constexpr const char* kProxy = "127.0.0.1";
inline constexpr uint16_t kProxyPort = 15353;
inline constexpr const char* kAllowStarAllowed =
    R"({"defaultAction":"deny","egress":[{"action":"allow","target":"*.allowed.test"}]})";

class EgressBinaryTest : public ::testing::Test {
  protected:
    void SetUp() override {
        HARNESS_REQUIRE_NETNS();
        topology_ = std::make_unique<Topology>();
        topology_->write_resolv_conf(topology_->sandbox(), {std::string(Topology::kUpstreamIpv4)});
        harness::DnsZone zone;
        zone.add_a("www.allowed.test", "198.51.100.10");
        zone.add_a("other.test", "198.51.100.20");
        zone.add_a("denied.allowed.test", "198.51.100.30");
        upstream_ = std::make_unique<harness::TestDnsServer>(harness::TestDnsServerConfig{
            topology_->upstream(), std::string(Topology::kUpstreamIpv4), 53, zone, 60});
        work_dir_ = std::filesystem::temp_directory_path() / ("egress-binary-" + topology_->sandbox());
        std::filesystem::create_directories(work_dir_ / "rules");
    }

    void TearDown() override {
        process_.reset();
        cgroup_.reset();
        if (!work_dir_.empty()) {
            std::filesystem::remove_all(work_dir_);
        }
    }

    // Starts egress with the given extra environment ("NAME=value") and our rules directory; with
    // `own_cgroup`, in a cgroup of its own, as in a container (the same one when started again).
    void start(std::vector<std::string> environment, bool own_cgroup = false) {
        std::vector<std::string> argv{
            "env", "OPENSANDBOX_EGRESS_ALWAYS_RULES_DIR=" + (work_dir_ / "rules").string()};
        argv.insert(argv.end(), environment.begin(), environment.end());
        argv.push_back(EGRESS_BINARY);
        if (own_cgroup) {
            if (!cgroup_) {
                cgroup_ = std::make_unique<harness::ScratchCgroup>("egress-" + topology_->sandbox());
            }
            argv = cgroup_->wrap(argv);
        }
        process_ = std::make_unique<harness::NamespaceProcess>(
            topology_->spawn(topology_->sandbox(), argv, work_dir_ / "egress.log"));
    }

    // Polls until the proxy answers, or the process exits, or 5 s pass.
    bool wait_until_serving() {
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        while (std::chrono::steady_clock::now() < deadline && process_->running()) {
            if (query("www.allowed.test").ok()) {
                return true;
            }
            std::this_thread::sleep_for(50ms);
        }
        return false;
    }

    harness::DnsQueryResult query(const std::string& name) {
        return harness::dns_query(topology_->sandbox(), kProxy, kProxyPort, name, kDnsTypeA, false, 500ms);
    }

    std::unique_ptr<Topology> topology_;
    std::unique_ptr<harness::TestDnsServer> upstream_;
    std::filesystem::path work_dir_;
    std::unique_ptr<harness::ScratchCgroup> cgroup_;
    std::unique_ptr<harness::NamespaceProcess> process_;
};

// The resolver the workload believes it talks to: port-53 traffic to it must reach the proxy.
inline harness::DnsQueryResult query_real_resolver(const Topology& topology, const std::string& name,
                                                   bool tcp = false) {
    return harness::dns_query(topology.sandbox(), std::string(Topology::kUpstreamIpv4), 53, name, kDnsTypeA,
                              tcp, 1000ms);
}

// The ruleset without what changes on its own: element countdowns ("expires 1m59s") and counters
// (IPv6 multicast reports hit the final drop at any time).
inline std::string nft_ruleset(const Topology& topology) {
    const std::string text =
        harness::run_command({"ip", "netns", "exec", topology.sandbox(), "nft", "list", "ruleset"}).output;
    const std::string without_expiry = std::regex_replace(text, std::regex(" expires [0-9a-z]+"), "");
    return std::regex_replace(without_expiry, std::regex("counter packets [0-9]+ bytes [0-9]+"), "counter");
}

inline size_t count_of(const std::string& text, const std::string& needle) {
    size_t count = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
        ++count;
    }
    return count;
}

}  // namespace egress_binary_test
