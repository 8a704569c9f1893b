// OTLP metrics export of the real execd binary to a stand-in collector started by the test.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "execd_test_support.hpp"
#include "stand_in_collector.hpp"

namespace execd_test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using otlp_test::attribute;
using otlp_test::find_metric;

std::vector<std::string> export_env(int collector_port) {
    return {"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT=http://127.0.0.1:" + std::to_string(collector_port) +
                "/v1/metrics",
            "OTEL_METRIC_EXPORT_INTERVAL=50", "OPENSANDBOX_ID=sbx-42",
            "OPENSANDBOX_EXECD_METRICS_EXTRA_ATTRS=team=core,malformed"};
}

// The first payload the collector received that holds `name`.
std::optional<json> wait_for_metric(otlp_test::StandInCollector& collector, const std::string& name) {
    std::optional<json> found;
    eventually(
        [&] {
            for (const auto& body : collector.received()) {
                if (auto metric = find_metric(json::parse(body), name)) {
                    found = json::parse(body);
                    return true;
                }
            }
            return false;
        },
        5s);
    return found;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(ExecdTelemetry, ExportsRequestDurationsAndSystemGaugesWithResourceAttributes) {
    otlp_test::StandInCollector collector;
    ExecdProcess execd({}, export_env(collector.port()));
    ASSERT_EQ(http_request(execd.port(), "GET", "/ping").status, 200);
    const auto request = wait_for_metric(collector, "execd.http.request.duration");
    ASSERT_TRUE(request);

    const json& resource = (*request)["resourceMetrics"][0]["resource"]["attributes"];
    EXPECT_TRUE(attribute(resource, "service.name").value_or("").starts_with("opensandbox-execd-"));
    EXPECT_EQ(attribute(resource, "sandbox_id"), "sbx-42");
    EXPECT_EQ(attribute(resource, "team"), "core");
    EXPECT_EQ((*request)["resourceMetrics"][0]["scopeMetrics"][0]["scope"]["name"], "opensandbox/execd");

    const json duration = *find_metric(*request, "execd.http.request.duration");
    EXPECT_EQ(duration["unit"], "ms");
    const json& point = duration.at("histogram").at("dataPoints").at(0);
    EXPECT_EQ(attribute(point["attributes"], "http_method"), "GET");
    EXPECT_EQ(attribute(point["attributes"], "http_route"), "/ping");
    EXPECT_EQ(attribute(point["attributes"], "http_status_code"), "200");
    EXPECT_EQ(point["count"], "1");
    EXPECT_EQ(point["bucketCounts"].size(), point["explicitBounds"].size() + 1);

    for (const char* gauge :
         {"execd.system.process.count", "execd.system.cpu.usage", "execd.system.memory.usage_bytes"}) {
        const auto metric = find_metric(*request, gauge);
        ASSERT_TRUE(metric) << gauge;
        EXPECT_TRUE(metric->contains("gauge")) << gauge;
    }
    EXPECT_GE(find_metric(*request, "execd.system.process.count")
                  ->at("gauge")["dataPoints"][0]["asDouble"]
                  .get<double>(),
              1.0);
    EXPECT_NE(read_file(execd.log_path()).find("malformed"), std::string::npos);
}

TEST(ExecdTelemetry, NothingIsExportedWithoutAnEndpoint) {
    ExecdProcess execd({}, {"OTEL_METRIC_EXPORT_INTERVAL=20"});
    ASSERT_EQ(http_request(execd.port(), "GET", "/ping").status, 200);
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(read_file(execd.log_path()).find("OTLP"), std::string::npos);
}

TEST(ExecdTelemetry, UnreachableCollectorLeavesExecdServingAndCountsDrops) {
    const int port = free_loopback_port();
    auto env = export_env(port);
    env.push_back("OPENSANDBOX_OTLP_MAX_PENDING=1");
    ExecdProcess execd({}, env);
    for (int i = 0; i < 5; ++i) {
        const auto started = std::chrono::steady_clock::now();
        ASSERT_EQ(http_request(execd.port(), "GET", "/ping").status, 200);
        EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
        std::this_thread::sleep_for(50ms);
    }
    // The collector comes up; the queued payloads arrive, and the latest ones report the outage's drops.
    otlp_test::StandInCollector collector(200, "127.0.0.1", port);
    ASSERT_EQ(collector.port(), port);
    const bool drops_reported = eventually(
        [&] {
            for (const auto& body : collector.received()) {
                const auto dropped = find_metric(json::parse(body), "otlp_export_dropped_total");
                if (dropped && dropped->at("sum").at("dataPoints").at(0).at("asInt") != "0") {
                    return true;
                }
            }
            return false;
        },
        5s);
    EXPECT_TRUE(drops_reported);
}

}  // namespace
}  // namespace execd_test
