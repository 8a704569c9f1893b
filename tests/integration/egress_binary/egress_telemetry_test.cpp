// OTLP export of the real egress binary, inside a sandbox namespace whose policy denies the collector.
#include <nlohmann/json.hpp>

#include "egress_binary_fixture.hpp"
#include "harness/http_receiver.hpp"
#include "harness/net_clients.hpp"
#include "otlp_payload.hpp"

namespace egress_binary_test {
namespace {

using nlohmann::json;
using otlp_test::attribute;
using otlp_test::find_metric;

constexpr const char* kCollectorAddress = "198.51.100.40";
constexpr uint16_t kCollectorPort = 4318;

// The latest payload that reports at least one denied query, if one arrives within 5 s.
std::optional<json> wait_for_denied_count(const harness::HttpReceiver& collector) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
        const auto requests = collector.requests();
        for (auto request = requests.rbegin(); request != requests.rend(); ++request) {
            const json payload = json::parse(request->body);
            const auto denied = find_metric(payload, "egress.policy.denied_total");
            if (denied && denied->at("sum").at("dataPoints").at(0).at("asInt") != "0") {
                return payload;
            }
        }
        std::this_thread::sleep_for(50ms);
    }
    return std::nullopt;
}

TEST_F(EgressBinaryTest, OtlpExportReachesACollectorTheDenyPolicyBlocksForTheWorkload) {
    topology_->add_upstream_address(kCollectorAddress);
    harness::HttpReceiver collector(topology_->upstream(), kCollectorAddress, kCollectorPort);
    start({"OPENSANDBOX_EGRESS_MODE=dns+nft", std::string("OPENSANDBOX_EGRESS_RULES=") + kAllowStarAllowed,
           "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT=http://" + std::string(kCollectorAddress) + ":" +
               std::to_string(kCollectorPort) + "/v1/metrics",
           "OTEL_METRIC_EXPORT_INTERVAL=100", "OPENSANDBOX_EGRESS_SANDBOX_ID=sbx-7",
           "OPENSANDBOX_EGRESS_METRICS_EXTRA_ATTRS=team=net"});
    ASSERT_TRUE(wait_until_serving()) << process_->read_log();
    EXPECT_FALSE(
        harness::tcp_connect(topology_->sandbox(), kCollectorAddress, kCollectorPort, 300ms).connected)
        << "the workload itself must not reach the collector";
    EXPECT_EQ(query("other.test").rcode, harness::kRcodeNxDomain);

    const auto payload = wait_for_denied_count(collector);
    ASSERT_TRUE(payload) << process_->read_log();
    const json& resource = (*payload)["resourceMetrics"][0]["resource"]["attributes"];
    EXPECT_TRUE(attribute(resource, "service.name").value_or("").starts_with("opensandbox-egress-"));
    EXPECT_EQ(attribute(resource, "sandbox_id"), "sbx-7");
    EXPECT_EQ(attribute(resource, "team"), "net");
    EXPECT_EQ(collector.requests().front().header("Content-Type"), "application/json");

    const auto duration = find_metric(*payload, "egress.dns.query.duration");
    ASSERT_TRUE(duration);
    EXPECT_GE(std::stoull(duration->at("histogram")["dataPoints"][0]["count"].get<std::string>()), 2u);
    const auto rules = find_metric(*payload, "egress.nftables.rules.count");
    ASSERT_TRUE(rules);
    EXPECT_TRUE(rules->contains("gauge"));
    const auto updates = find_metric(*payload, "egress.nftables.updates.count");
    ASSERT_TRUE(updates);
    EXPECT_EQ(updates->at("sum")["isMonotonic"], true);
    for (const char* gauge : {"egress.system.memory.usage_bytes", "egress.system.cpu.utilization"}) {
        const auto metric = find_metric(*payload, gauge);
        ASSERT_TRUE(metric) << gauge;
        EXPECT_TRUE(metric->contains("gauge")) << gauge;
    }
    const double cpu =
        find_metric(*payload, "egress.system.cpu.utilization")->at("gauge")["dataPoints"][0]["asDouble"];
    EXPECT_LE(cpu, 1.0);
}

}  // namespace
}  // namespace egress_binary_test
