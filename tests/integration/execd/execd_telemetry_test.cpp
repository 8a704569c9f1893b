// OTLP metrics export of the real execd binary to a stand-in collector started by the test.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "execd_test_support.hpp"
#include "files_test_support.hpp"
#include "harness/netns_scope.hpp"
#include "harness/require_netns.hpp"
#include "harness/topology.hpp"
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
    const auto network_io = find_metric(*request, "execd.system.network.io.bytes");
    ASSERT_TRUE(network_io);
    EXPECT_EQ(network_io->at("unit"), "By");
    EXPECT_TRUE(network_io->at("sum").at("isMonotonic").get<bool>());
    EXPECT_EQ(network_io->at("sum").at("dataPoints").size(), 2U);  // in and out
    const auto connections = find_metric(*request, "execd.system.network.connections.active");
    ASSERT_TRUE(connections);
    double tcp_sockets = 0;
    for (const auto& data_point : connections->at("gauge").at("dataPoints")) {
        if (attribute(data_point["attributes"], "protocol") == "tcp") {
            tcp_sockets = data_point["asDouble"].get<double>();
        }
    }
    EXPECT_GE(tcp_sockets, 1.0);  // at least execd's own listener
    EXPECT_NE(read_file(execd.log_path()).find("malformed"), std::string::npos);
}

// Data point counts of a histogram by (operation, result) in the latest payload that has `name`.
using OutcomeCounts = std::map<std::pair<std::string, std::string>, int>;
OutcomeCounts latest_counts(otlp_test::StandInCollector& collector, const std::string& name) {
    const auto bodies = collector.received();
    for (auto body = bodies.rbegin(); body != bodies.rend(); ++body) {
        const auto metric = find_metric(json::parse(*body), name);
        if (!metric) {
            continue;
        }
        EXPECT_EQ(metric->at("unit"), "ms");
        OutcomeCounts counts;
        for (const auto& point : metric->at("histogram").at("dataPoints")) {
            const auto operation = attribute(point["attributes"], "operation").value_or("?");
            const auto result = attribute(point["attributes"], "result").value_or("?");
            counts[{operation, result}] = std::stoi(point.at("count").get<std::string>());
        }
        return counts;
    }
    return {};
}

// Waits until the exported counts of `name` equal `expected`; returns the last counts seen.
OutcomeCounts wait_for_counts(otlp_test::StandInCollector& collector, const std::string& name,
                              const OutcomeCounts& expected) {
    OutcomeCounts seen;
    eventually(
        [&] {
            seen = latest_counts(collector, name);
            return seen == expected;
        },
        5s);
    return seen;
}

class ExecdOperationTelemetry : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string pattern = (std::filesystem::temp_directory_path() / "execd-telemetry-XXXXXX").string();
        dir_ = ::mkdtemp(pattern.data());
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    otlp_test::StandInCollector collector_;
    ExecdProcess execd_{{"--graceful-shutdown-timeout", "0s"}, export_env(collector_.port())};
    std::filesystem::path dir_;
};

TEST_F(ExecdOperationTelemetry, ExecutionsAreTimedBySuccessOrFailure) {
    EXPECT_EQ(texts_of(run_command(execd_.port(), {{"command", "true"}}).events, "execution_complete").size(),
              1u);
    EXPECT_EQ(texts_of(run_command(execd_.port(), {{"command", "exit 3"}}).events, "error").size(), 1u);
    EXPECT_EQ(run_command(execd_.port(), {{"command", "kill -9 $$"}}).events.back()["type"], "error");
    // A background command is timed when its process ends, not when its stream does.
    EXPECT_EQ(
        run_command(execd_.port(), {{"command", "sleep 0.1; exit 1"}, {"background", true}}).response.status,
        200);

    const auto created = http_request(execd_.port(), "POST", "/session", "{}");
    ASSERT_EQ(created.status, 200);
    const std::string session = json::parse(created.body).at("session_id");
    for (const char* command : {"echo ok", "false", "true"}) {
        const auto run = http_request(execd_.port(), "POST", "/session/" + session + "/run",
                                      json{{"command", command}}.dump());
        ASSERT_EQ(run.status, 200);
    }

    const OutcomeCounts expected{{{"run_command", "success"}, 1},
                                 {{"run_command", "failure"}, 3},
                                 {{"run_in_session", "success"}, 2},
                                 {{"run_in_session", "failure"}, 1}};
    EXPECT_EQ(wait_for_counts(collector_, "execd.execution.duration", expected), expected);
}

TEST_F(ExecdOperationTelemetry, FilesystemOperationsAreTimedBySuccessOrFailure) {
    const std::string sub = (dir_ / "sub").string();
    const std::string file = (dir_ / "sub/a.txt").string();
    const auto port = execd_.port();
    EXPECT_EQ(http_request(port, "POST", "/directories", json{{sub, {{"mode", 755}}}}.dump()).status, 200);
    EXPECT_EQ(upload(port, {metadata_part(file), file_part("hello\n")}).status, 200);
    EXPECT_EQ(http_request(port, "GET", "/files/info?path=" + file).status, 200);
    EXPECT_EQ(http_request(port, "GET", "/files/info?path=" + (dir_ / "missing").string()).status, 404);
    EXPECT_EQ(http_request(port, "GET", "/files/download?path=" + file).body, "hello\n");
    EXPECT_EQ(http_request(port, "GET", "/files/download?path=" + (dir_ / "missing").string()).status, 404);
    EXPECT_EQ(http_request(port, "GET", "/directories/list?path=" + sub).status, 200);
    EXPECT_EQ(http_request(port, "GET", "/files/search?path=" + sub + "&pattern=*.txt").status, 200);
    EXPECT_EQ(
        http_request(port, "POST", "/files/replace", json{{file, {{"old", "hello"}, {"new", "bye"}}}}.dump())
            .status,
        200);
    EXPECT_EQ(http_request(port, "POST", "/files/permissions", json{{file, {{"mode", 644}}}}.dump()).status,
              200);
    const std::string moved = (dir_ / "sub/b.txt").string();
    EXPECT_EQ(http_request(port, "POST", "/files/mv", json::array({{{"src", file}, {"dest", moved}}}).dump())
                  .status,
              200);
    EXPECT_EQ(http_request(port, "DELETE", "/files?path=" + moved).status, 200);
    EXPECT_EQ(http_request(port, "DELETE", "/directories?path=" + sub).status, 200);

    const OutcomeCounts expected{
        {{"mkdir", "success"}, 1},   {{"upload", "success"}, 1},   {{"info", "success"}, 1},
        {{"info", "failure"}, 1},    {{"download", "success"}, 1}, {{"download", "failure"}, 1},
        {{"listdir", "success"}, 1}, {{"search", "success"}, 1},   {{"replace", "success"}, 1},
        {{"chmod", "success"}, 1},   {{"rename", "success"}, 1},   {{"delete", "success"}, 1},
        {{"rmdir", "success"}, 1}};
    EXPECT_EQ(wait_for_counts(collector_, "execd.filesystem.operations.duration", expected), expected);
}

TEST(ExecdTelemetry, NothingIsExportedWithoutAnEndpoint) {
    ExecdProcess execd({}, {"OTEL_METRIC_EXPORT_INTERVAL=20", "HOST_IP="});
    ASSERT_EQ(http_request(execd.port(), "GET", "/ping").status, 200);
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(read_file(execd.log_path()).find("OTLP"), std::string::npos);
}

// Without an endpoint variable, HOST_IP names the node's collector on the fixed port 4318. Execd, the
// collector and the client share a throw-away network namespace, so the port is the test's own.
TEST(ExecdTelemetry, HostIpFallbackExportsToTheNodeCollector) {
    HARNESS_REQUIRE_NETNS();
    harness::Topology topology;
    const harness::NetnsScope inside(topology.sandbox());
    otlp_test::StandInCollector collector(200, "127.0.0.1", 4318);
    ASSERT_EQ(collector.port(), 4318);
    ExecdProcess execd({}, {"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT=", "OTEL_EXPORTER_OTLP_ENDPOINT=",
                            "HOST_IP= 127.0.0.1 ", "OTEL_METRIC_EXPORT_INTERVAL=50"});
    ASSERT_EQ(http_request(execd.port(), "GET", "/ping").status, 200);
    const auto payload = wait_for_metric(collector, "execd.http.request.duration");
    ASSERT_TRUE(payload) << read_file(execd.log_path());
    EXPECT_EQ(collector.content_type(0), "application/json");
    EXPECT_EQ((*payload)["resourceMetrics"][0]["scopeMetrics"][0]["scope"]["name"], "opensandbox/execd");
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
