#include "common/otlp_exporter.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "stand_in_collector.hpp"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;

using otlp_test::ReservedPort;
using otlp_test::StandInCollector;

common::OtlpSettings settings_for(int port, size_t max_pending = 4) {
    common::OtlpSettings settings;
    settings.endpoint =
        common::parse_otlp_endpoint("http://127.0.0.1:" + std::to_string(port) + "/v1/metrics");
    settings.resource_attributes = {{"service.name", "svc-test"}};
    settings.scope_name = "opensandbox/test";
    settings.interval = 20ms;
    settings.timeout = 500ms;
    settings.max_pending = max_pending;
    return settings;
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

uint64_t counter_value(const common::MetricsRegistry& registry, const std::string& name,
                       const std::string& label_value = {}) {
    for (const auto& family : registry.snapshot()) {
        for (const auto& sample : family.samples) {
            if (family.name == name && (label_value.empty() || sample.label_values.at(0) == label_value)) {
                return sample.int_value;
            }
        }
    }
    return 0;
}

TEST(OtlpExporter, PushesTheRegistryToTheCollectorOnEveryInterval) {
    StandInCollector collector;
    common::MetricsRegistry registry;
    registry.counter("requests_total", "Requests.").inc(7);
    const std::array names{common::OtlpName{"requests_total", "test.requests", "{request}"}};
    common::OtlpExporter exporter(settings_for(collector.port()), registry, names, "9.9");
    exporter.start();
    const auto bodies = collector.wait_for(2);
    EXPECT_TRUE(wait_until([&] { return counter_value(registry, "otlp_exports_total", "delivered") >= 2; }));
    exporter.stop();
    ASSERT_GE(bodies.size(), 2u);
    EXPECT_EQ(collector.content_type(0), "application/json");
    const json request = json::parse(bodies[0]);
    const json& resource = request["resourceMetrics"][0];
    EXPECT_EQ(resource["resource"]["attributes"][0]["value"]["stringValue"], "svc-test");
    const json& metrics = resource["scopeMetrics"][0]["metrics"];
    const auto requests = std::find_if(metrics.begin(), metrics.end(),
                                       [](const json& metric) { return metric["name"] == "test.requests"; });
    ASSERT_NE(requests, metrics.end()) << bodies[0];
    EXPECT_EQ((*requests)["sum"]["dataPoints"][0]["asInt"], "7");
    EXPECT_EQ(counter_value(registry, "otlp_export_dropped_total"), 0u);
}

TEST(OtlpExporter, UnreachableCollectorDropsOldPayloadsAndCountsThem) {
    const ReservedPort unreachable;
    common::MetricsRegistry registry;
    common::OtlpExporter exporter(settings_for(unreachable.port(), 2), registry, {}, "");
    exporter.start();
    EXPECT_TRUE(wait_until([&] { return counter_value(registry, "otlp_export_dropped_total") >= 2; }));
    EXPECT_GE(counter_value(registry, "otlp_exports_total", "failed"), 2u);
    EXPECT_EQ(counter_value(registry, "otlp_exports_total", "delivered"), 0u);
    const auto before_stop = std::chrono::steady_clock::now();
    exporter.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - before_stop, 1s);
}

TEST(OtlpExporter, PayloadsWaitingDuringAnOutageAreDeliveredLater) {
    const ReservedPort reserved;
    const int port = reserved.port();
    common::MetricsRegistry registry;
    common::OtlpSettings settings = settings_for(port, 100);
    settings.interval = 30ms;
    common::OtlpExporter exporter(settings, registry, {}, "");
    exporter.start();
    ASSERT_TRUE(wait_until([&] { return counter_value(registry, "otlp_exports_total", "failed") >= 2; }));
    httplib::Server server;
    std::atomic<int> received{0};
    server.Post("/v1/metrics", [&](const httplib::Request&, httplib::Response&) { ++received; });
    ASSERT_TRUE(server.bind_to_port("127.0.0.1", port));
    std::thread listener([&] { server.listen_after_bind(); });
    const bool caught_up = wait_until([&] { return received >= 3; });
    exporter.stop();
    server.stop();
    listener.join();
    EXPECT_TRUE(caught_up);
    EXPECT_EQ(counter_value(registry, "otlp_export_dropped_total"), 0u);
}

TEST(OtlpExporter, RejectedPayloadsAreDroppedNotRetried) {
    StandInCollector collector(400);
    common::MetricsRegistry registry;
    common::OtlpExporter exporter(settings_for(collector.port()), registry, {}, "");
    exporter.start();
    EXPECT_TRUE(wait_until([&] { return counter_value(registry, "otlp_exports_total", "rejected") >= 2; }));
    exporter.stop();
    EXPECT_EQ(counter_value(registry, "otlp_export_dropped_total"),
              counter_value(registry, "otlp_exports_total", "rejected"));
}

TEST(OtlpExporter, StopInterruptsASendToAStalledCollector) {
    // A listening socket that never accepts: the connection is queued and the request is never answered.
    httplib::Server silent;
    silent.Post("/v1/metrics",
                [](const httplib::Request&, httplib::Response&) { std::this_thread::sleep_for(1500ms); });
    const int port = silent.bind_to_any_port("127.0.0.1");
    std::thread listener([&] { silent.listen_after_bind(); });
    common::MetricsRegistry registry;
    common::OtlpSettings settings = settings_for(port);
    settings.timeout = 10s;
    common::OtlpExporter exporter(settings, registry, {}, "");
    exporter.start();
    std::this_thread::sleep_for(100ms);
    const auto before_stop = std::chrono::steady_clock::now();
    exporter.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - before_stop, 2s);
    silent.stop();
    listener.join();
}

}  // namespace
