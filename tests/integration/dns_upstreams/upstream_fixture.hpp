#pragma once
// The egress binary in `dns` mode in a sandbox namespace, forwarding to a real DNS server from
// Debian (dnsmasq, unbound, nsd or bind9) in the upstream namespace. Shared by the transport
// matrix and the soak.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "harness/command.hpp"
#include "harness/dns_query.hpp"
#include "harness/dns_types.hpp"
#include "harness/real_dns_server.hpp"
#include "harness/require_netns.hpp"
#include "harness/topology.hpp"

namespace dns_upstreams_test {

using namespace std::chrono_literals;

inline constexpr const char* kProxy = "127.0.0.1";
inline constexpr uint16_t kProxyPort = 15353;
inline constexpr const char* kOrigin = "example.test";
inline constexpr const char* kAddress = "198.51.100.10";
inline constexpr const char* kAddress6 = "2001:db8:1::10";
// More A records than fit in 1232 bytes (the EDNS size these servers answer UDP with), let alone 512.
inline constexpr int kBigRecordCount = 100;

inline std::vector<harness::ZoneRecord> matrix_zone() {
    std::vector<harness::ZoneRecord> records{
        {"a", "A", kAddress}, {"a", "AAAA", kAddress6}, {"www", "CNAME", "a"}};
    for (int i = 0; i < 30; ++i) {
        records.push_back({"n" + std::to_string(i), "A", "198.51.100." + std::to_string(100 + i)});
    }
    for (int i = 0; i < kBigRecordCount; ++i) {
        records.push_back({"big", "A", "203.0.113." + std::to_string(i + 1)});
    }
    return records;
}

class UpstreamFixture {
  public:
    UpstreamFixture(harness::RealDnsServerKind kind, std::vector<std::string> extra_environment = {}) {
        topology_ = std::make_unique<harness::Topology>();
        work_dir_ = std::filesystem::temp_directory_path() / ("dns-upstream-" + topology_->sandbox());
        std::filesystem::create_directories(work_dir_ / "rules");
        const std::string upstream(harness::Topology::kUpstreamIpv4);
        topology_->write_resolv_conf(topology_->sandbox(), {upstream});
        server_ = std::make_unique<harness::RealDnsServer>(harness::RealDnsServerConfig{
            kind, topology_->upstream(), upstream, kOrigin, matrix_zone(), 60, work_dir_ / "server"});
        std::vector<std::string> argv{
            "env", "OPENSANDBOX_EGRESS_MODE=dns",
            "OPENSANDBOX_EGRESS_ALWAYS_RULES_DIR=" + (work_dir_ / "rules").string(),
            R"(OPENSANDBOX_EGRESS_RULES={"defaultAction":"deny","egress":[{"action":"allow","target":"*.example.test"}]})"};
        argv.insert(argv.end(), extra_environment.begin(), extra_environment.end());
        argv.push_back(EGRESS_BINARY);
        egress_ = std::make_unique<harness::NamespaceProcess>(
            topology_->spawn(topology_->sandbox(), argv, work_dir_ / "egress.log"));
    }

    ~UpstreamFixture() {
        egress_.reset();
        server_.reset();
        topology_.reset();
        std::error_code ignored;
        std::filesystem::remove_all(work_dir_, ignored);
    }

    // Polls the proxy until it answers, egress exits, or 5 s pass.
    bool wait_until_serving() {
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        while (std::chrono::steady_clock::now() < deadline && egress_->running()) {
            if (via_proxy("a.example.test", harness::kDnsTypeA, false).ok()) {
                return true;
            }
            std::this_thread::sleep_for(50ms);
        }
        return false;
    }

    // A query straight to the proxy's listener.
    harness::DnsQueryResult via_proxy(const std::string& name, uint16_t type, bool tcp,
                                      std::chrono::milliseconds timeout = 3000ms) const {
        return harness::dns_query(topology_->sandbox(), kProxy, kProxyPort, name, type, tcp, timeout);
    }

    // A query to the resolver the workload was given, which the nat redirect takes to the proxy.
    harness::DnsQueryResult via_redirect(const std::string& name, uint16_t type, bool tcp,
                                         std::chrono::milliseconds timeout = 3000ms) const {
        return harness::dns_query(topology_->sandbox(), std::string(harness::Topology::kUpstreamIpv4), 53,
                                  name, type, tcp, timeout);
    }

    // TCP connections from the sandbox to the upstream's port 53 that are open right now.
    size_t open_upstream_tcp_connections() const {
        const auto listed = harness::run_command({"ip", "netns", "exec", topology_->sandbox(), "ss", "-Htn",
                                                  "state", "established", "dport", "=", ":53"});
        size_t count = 0;
        for (char c : listed.output) {
            count += c == '\n' ? 1 : 0;
        }
        return count;
    }

    // Waits up to `limit` for every upstream TCP connection to close.
    bool upstream_tcp_closes_within(std::chrono::milliseconds limit) const {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (open_upstream_tcp_connections() > 0) {
            if (std::chrono::steady_clock::now() >= deadline) {
                return false;
            }
            std::this_thread::sleep_for(20ms);
        }
        return true;
    }

    harness::RealDnsServer& server() { return *server_; }
    harness::NamespaceProcess& egress() { return *egress_; }
    const harness::Topology& topology() const { return *topology_; }
    std::string diagnostics() const {
        return "--- egress log:\n" + egress_->read_log() + "\n--- " +
               std::string(harness::name_of(server_->config().kind)) + " log (tail):\n" +
               tail(server_->log());
    }

  private:
    static std::string tail(const std::string& text) {
        constexpr size_t kTail = 4000;
        return text.size() <= kTail ? text : text.substr(text.size() - kTail);
    }

    std::unique_ptr<harness::Topology> topology_;
    std::filesystem::path work_dir_;
    std::unique_ptr<harness::RealDnsServer> server_;
    std::unique_ptr<harness::NamespaceProcess> egress_;
};

}  // namespace dns_upstreams_test
