#include "common/otlp_json.hpp"

#include <gtest/gtest.h>

#include <array>
#include <limits>
#include <nlohmann/json.hpp>

namespace {

using nlohmann::json;

const common::OtlpAttributes kResource{{"service.name", "svc"}, {"sandbox_id", "sbx"}};

json encode(const common::MetricsRegistry& registry, std::span<const common::OtlpName> names = {}) {
    const common::OtlpPayloadContext context{kResource, "opensandbox/test", "1.2.3", names, 1000, 2000};
    return json::parse(common::encode_otlp_metrics(registry.snapshot(), context));
}

const json& only_scope(const json& request) {
    EXPECT_EQ(request.at("resourceMetrics").size(), 1u);
    EXPECT_EQ(request["resourceMetrics"][0].at("scopeMetrics").size(), 1u);
    return request["resourceMetrics"][0]["scopeMetrics"][0];
}

const json& metric_named(const json& request, const std::string& name) {
    for (const json& metric : only_scope(request).at("metrics")) {
        if (metric.at("name") == name) {
            return metric;
        }
    }
    static const json missing;
    ADD_FAILURE() << "no metric " << name << " in " << request.dump();
    return missing;
}

json attributes(std::initializer_list<std::pair<std::string, std::string>> pairs) {
    json list = json::array();
    for (const auto& [key, value] : pairs) {
        list.push_back({{"key", key}, {"value", {{"stringValue", value}}}});
    }
    return list;
}

TEST(OtlpJson, ResourceAndScopeCarryIdentity) {
    common::MetricsRegistry registry;
    registry.gauge("up", "Up.").set(1);
    const json request = encode(registry);
    EXPECT_EQ(request["resourceMetrics"][0]["resource"]["attributes"],
              attributes({{"service.name", "svc"}, {"sandbox_id", "sbx"}}));
    EXPECT_EQ(only_scope(request)["scope"], (json{{"name", "opensandbox/test"}, {"version", "1.2.3"}}));
}

TEST(OtlpJson, CounterIsACumulativeMonotonicSumWithStringIntegers) {
    common::MetricsRegistry registry;
    auto& queries = registry.counter_family("queries_total", "Queries.", {"outcome"});
    queries.with_labels({"allowed"}).inc(3);
    queries.with_labels({"denied"}).inc(18446744073709551615ull);
    const json request = encode(registry);
    const json& metric = metric_named(request, "queries_total");
    EXPECT_EQ(metric["description"], "Queries.");
    const json& sum = metric.at("sum");
    EXPECT_EQ(sum["aggregationTemporality"], 2);
    EXPECT_EQ(sum["isMonotonic"], true);
    ASSERT_EQ(sum["dataPoints"].size(), 2u);
    EXPECT_EQ(sum["dataPoints"][0]["attributes"], attributes({{"outcome", "allowed"}}));
    EXPECT_EQ(sum["dataPoints"][0]["asInt"], "3");
    EXPECT_EQ(sum["dataPoints"][1]["asInt"], "18446744073709551615");
    EXPECT_EQ(sum["dataPoints"][0]["startTimeUnixNano"], "1000");
    EXPECT_EQ(sum["dataPoints"][0]["timeUnixNano"], "2000");
}

TEST(OtlpJson, GaugeHasDoublePointsWithoutStartTime) {
    common::MetricsRegistry registry;
    registry.gauge("memory_bytes", "Memory.").set(1.5);
    registry.gauge("broken", "Broken.").set(std::numeric_limits<double>::quiet_NaN());
    const json request = encode(registry);
    const json& point = metric_named(request, "memory_bytes").at("gauge").at("dataPoints").at(0);
    EXPECT_EQ(point["asDouble"], 1.5);
    EXPECT_EQ(point["timeUnixNano"], "2000");
    EXPECT_FALSE(point.contains("startTimeUnixNano"));
    EXPECT_EQ(point["attributes"], json::array());
    EXPECT_EQ(metric_named(request, "broken")["gauge"]["dataPoints"][0]["asDouble"], "NaN");
}

TEST(OtlpJson, HistogramHasPerBucketCountsAndBounds) {
    common::MetricsRegistry registry;
    auto& latency = registry.histogram("latency_seconds", "Latency.", {0.1, 1});
    latency.observe(0.05);
    latency.observe(0.5);
    latency.observe(0.7);
    latency.observe(3);
    const json request = encode(registry);
    const json& histogram = metric_named(request, "latency_seconds").at("histogram");
    EXPECT_EQ(histogram["aggregationTemporality"], 2);
    const json& point = histogram["dataPoints"].at(0);
    EXPECT_EQ(point["count"], "4");
    EXPECT_DOUBLE_EQ(point["sum"].get<double>(), 4.25);
    EXPECT_EQ(point["bucketCounts"], (json{"1", "2", "1"}));
    EXPECT_EQ(point["explicitBounds"], (json{0.1, 1.0}));
    EXPECT_EQ(point["startTimeUnixNano"], "1000");
}

TEST(OtlpJson, NameTableRenamesScalesAndSelects) {
    common::MetricsRegistry registry;
    auto& queries = registry.counter_family("dns_queries_total", "Queries.", {"outcome"});
    queries.with_labels({"allowed"}).inc(5);
    queries.with_labels({"denied"}).inc(2);
    registry.histogram("request_seconds", "Requests.", {0.5}).observe(0.25);
    const std::array names{
        common::OtlpName{"dns_queries_total", "dns.queries", ""},
        common::OtlpName{"dns_queries_total", "policy.denied_total", "", "outcome", "denied"},
        common::OtlpName{"request_seconds", "request.duration", "ms", {}, {}, 1000},
    };
    const json request = encode(registry, names);
    EXPECT_EQ(only_scope(request)["metrics"].size(), 3u);
    EXPECT_EQ(metric_named(request, "dns.queries")["sum"]["dataPoints"].size(), 2u);
    const json& denied = metric_named(request, "policy.denied_total")["sum"]["dataPoints"];
    ASSERT_EQ(denied.size(), 1u);
    EXPECT_EQ(denied[0]["asInt"], "2");
    EXPECT_EQ(denied[0]["attributes"], json::array());
    const json& duration = metric_named(request, "request.duration");
    EXPECT_EQ(duration["unit"], "ms");
    EXPECT_EQ(duration["histogram"]["dataPoints"][0]["explicitBounds"], (json{500.0}));
    EXPECT_DOUBLE_EQ(duration["histogram"]["dataPoints"][0]["sum"].get<double>(), 250);
}

TEST(OtlpJson, FamiliesWithoutChildrenAreLeftOut) {
    common::MetricsRegistry registry;
    registry.counter_family("unused_total", "Unused.", {"kind"});
    EXPECT_EQ(only_scope(encode(registry))["metrics"], json::array());
}

}  // namespace
