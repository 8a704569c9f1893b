// The upstream health probes of the real egress binary: the question they ask
// (OPENSANDBOX_EGRESS_DNS_UPSTREAM_PROBE) and what counts as healthy.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "egress_binary_fixture.hpp"

namespace {

using namespace egress_binary_test;
using namespace std::chrono_literals;

constexpr uint16_t kDnsTypeNs = 2;

class UpstreamProbeTest : public EgressBinaryTest {
  protected:
    // Waits up to 5 s for a query of `name` and `type` at `server`.
    static bool received(const harness::TestDnsServer& server, const std::string& name, uint16_t type) {
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        while (std::chrono::steady_clock::now() < deadline) {
            for (const auto& query : server.queries()) {
                if (query.name == name && query.qtype == type) {
                    return true;
                }
            }
            std::this_thread::sleep_for(50ms);
        }
        return false;
    }

    bool log_contains_within(const std::string& text, std::chrono::milliseconds limit) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (process_->read_log().find(text) == std::string::npos) {
            if (std::chrono::steady_clock::now() >= deadline) {
                return false;
            }
            std::this_thread::sleep_for(50ms);
        }
        return true;
    }
};

TEST_F(UpstreamProbeTest, ByDefaultTheProbeAsksRootNs) {
    start({"OPENSANDBOX_EGRESS_MODE=dns", std::string("OPENSANDBOX_EGRESS_RULES=") + kAllowStarAllowed});
    ASSERT_TRUE(wait_until_serving()) << process_->read_log();
    EXPECT_TRUE(received(*upstream_, "", kDnsTypeNs)) << process_->read_log();
}

TEST_F(UpstreamProbeTest, TheConfiguredNameIsAskedAsAnARecord) {
    start({"OPENSANDBOX_EGRESS_MODE=dns", std::string("OPENSANDBOX_EGRESS_RULES=") + kAllowStarAllowed,
           "OPENSANDBOX_EGRESS_DNS_UPSTREAM_PROBE= probe.health.test "});
    ASSERT_TRUE(wait_until_serving()) << process_->read_log();
    EXPECT_TRUE(received(*upstream_, "probe.health.test", harness::kDnsTypeA)) << process_->read_log();
    for (const auto& query : upstream_->queries()) {
        EXPECT_FALSE(query.name.empty() && query.qtype == kDnsTypeNs) << "the root NS probe is replaced";
    }
}

TEST_F(UpstreamProbeTest, AProbeNameThatCannotBeEncodedStopsTheStart) {
    start({"OPENSANDBOX_EGRESS_MODE=dns", std::string("OPENSANDBOX_EGRESS_RULES=") + kAllowStarAllowed,
           "OPENSANDBOX_EGRESS_DNS_UPSTREAM_PROBE=" + std::string(64, 'a') + ".test"});
    const auto status = process_->wait(5s);
    ASSERT_TRUE(status.has_value()) << process_->read_log();
    EXPECT_NE(*status, 0);
    const std::string log = process_->read_log();
    EXPECT_NE(log.find("OPENSANDBOX_EGRESS_DNS_UPSTREAM_PROBE"), std::string::npos) << log;
    EXPECT_NE(log.find("longer than 63"), std::string::npos) << log;
}

// Upstream's sidecar counts any reply as healthy; here a SERVFAIL answer to the probe takes the
// upstream out of the forwarding order, so queries go to the healthy one first.
TEST_F(UpstreamProbeTest, AnUpstreamAnsweringTheProbeWithServfailIsUnhealthy) {
    harness::DnsZone zone;
    zone.add_a("www.allowed.test", "198.51.100.10");
    harness::TestDnsServer failing(
        {topology_->upstream(), std::string(Topology::kUpstreamIpv4), 5300, zone, 60});
    failing.set_failure_mode(harness::DnsFailureMode::servfail);
    start({"OPENSANDBOX_EGRESS_MODE=dns", std::string("OPENSANDBOX_EGRESS_RULES=") + kAllowStarAllowed,
           "OPENSANDBOX_EGRESS_DNS_UPSTREAM=10.77.0.1:5300,10.77.0.1:53"});
    ASSERT_TRUE(wait_until_serving()) << process_->read_log();
    ASSERT_TRUE(log_contains_within("[dns] upstream probe 10.77.0.1:5300 failed: answered rcode 2", 5s))
        << process_->read_log();
    failing.clear_queries();
    for (int i = 0; i < 5; ++i) {
        const auto result = query("www.allowed.test");
        ASSERT_EQ(result.rcode, harness::kRcodeNoError) << process_->read_log();
    }
    EXPECT_EQ(failing.query_count("www.allowed.test"), 0u) << "the unhealthy upstream was still asked first";
}

}  // namespace
