// The real egress binary in a sandbox namespace, resolving through a DNS server in an upstream one.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "harness/dns_query.hpp"
#include "harness/require_netns.hpp"
#include "harness/test_dns_server.hpp"
#include "harness/topology.hpp"

namespace {

using namespace std::chrono_literals;
using harness::kDnsTypeA;
using harness::Topology;

constexpr const char* kProxy = "127.0.0.1";
constexpr uint16_t kProxyPort = 15353;
constexpr const char* kAllowStarAllowed =
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
        upstream_ = std::make_unique<harness::TestDnsServer>(harness::TestDnsServerConfig{
            topology_->upstream(), std::string(Topology::kUpstreamIpv4), 53, zone, 60});
        work_dir_ = std::filesystem::temp_directory_path() / ("egress-binary-" + topology_->sandbox());
        std::filesystem::create_directories(work_dir_ / "rules");
    }

    void TearDown() override {
        process_.reset();
        if (!work_dir_.empty()) {
            std::filesystem::remove_all(work_dir_);
        }
    }

    // Starts egress with the given extra environment ("NAME=value") and our rules directory.
    void start(std::vector<std::string> environment) {
        std::vector<std::string> argv{
            "env", "OPENSANDBOX_EGRESS_ALWAYS_RULES_DIR=" + (work_dir_ / "rules").string()};
        argv.insert(argv.end(), environment.begin(), environment.end());
        argv.push_back(EGRESS_BINARY);
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
    std::unique_ptr<harness::NamespaceProcess> process_;
};

TEST_F(EgressBinaryTest, EnforcesThePolicyFromTheEnvironmentAndExitsCleanlyOnSigterm) {
    start({std::string("OPENSANDBOX_EGRESS_RULES=") + kAllowStarAllowed});
    ASSERT_TRUE(wait_until_serving()) << process_->read_log();
    EXPECT_EQ(query("www.allowed.test").addresses(), std::vector<std::string>{"198.51.100.10"});
    EXPECT_EQ(query("other.test").rcode, harness::kRcodeNxDomain);
    EXPECT_EQ(upstream_->query_count("other.test"), 0u);

    process_->signal(SIGTERM);
    auto status = process_->wait(5s);
    ASSERT_TRUE(status.has_value()) << "egress did not exit on SIGTERM";
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

}  // namespace
