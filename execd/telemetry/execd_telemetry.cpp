#include "telemetry/execd_telemetry.hpp"

#include <array>
#include <cctype>
#include <filesystem>
#include <string>
#include <system_error>

#include "common/build_info.hpp"
#include "common/resource_gauges.hpp"
#include "telemetry/network_figures.hpp"
#include "telemetry/timed_response_channel.hpp"

namespace execd::telemetry {
namespace {

constexpr uint32_t kUnmarkedSockets = 0;

constexpr std::array kExecdOtlpNames{
    common::OtlpName{
        "execd_http_request_duration_seconds", "execd.http.request.duration", "ms", {}, {}, 1000},
    common::OtlpName{"execd_execution_duration_seconds", "execd.execution.duration", "ms", {}, {}, 1000},
    common::OtlpName{"execd_filesystem_operation_duration_seconds",
                     "execd.filesystem.operations.duration",
                     "ms",
                     {},
                     {},
                     1000},
    common::OtlpName{"execd_system_process_count", "execd.system.process.count", "{process}"},
    common::OtlpName{"execd_system_cpu_usage_percent", "execd.system.cpu.usage", "%"},
    common::OtlpName{"execd_system_memory_usage_bytes", "execd.system.memory.usage_bytes", "By"},
    common::OtlpName{"execd_system_network_io_bytes_total", "execd.system.network.io.bytes", "By"},
    common::OtlpName{"execd_system_network_connections_active", "execd.system.network.connections.active",
                     "{connection}"},
};

// Processes visible in /proc (the sandbox's PID namespace).
size_t count_processes() {
    size_t count = 0;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
        const std::string name = entry.path().filename().string();
        if (!name.empty() && std::isdigit(static_cast<unsigned char>(name.front()))) {
            ++count;
        }
    }
    return count;
}

void register_process_count(common::MetricsRegistry& registry) {
    common::Gauge& processes =
        registry.gauge("execd_system_process_count", "Processes in the sandbox's PID namespace.");
    registry.add_collect_hook([&processes] { processes.set(static_cast<double>(count_processes())); });
}

}  // namespace

std::span<const common::OtlpName> execd_otlp_names() {
    return kExecdOtlpNames;
}

ExecdTelemetry::ExecdTelemetry(const common::ResourceSampler& sampler)
    : request_durations_(registry_.histogram_family(
          "execd_http_request_duration_seconds", "Time from routing a request to the end of its response.",
          common::exponential_buckets(0.0005, 2, 18), {"http_method", "http_route", "http_status_code"})),
      operations_(registry_) {
    // Not owned: the caller keeps the sampler alive longer than the registry.
    common::register_resource_gauges(
        registry_, "execd",
        std::shared_ptr<const common::ResourceSampler>(std::shared_ptr<void>(), &sampler));
    register_process_count(registry_);
    register_network_gauges(registry_);
}

ExecdTelemetry::~ExecdTelemetry() {
    stop();
}

http::HandlerDecorator ExecdTelemetry::request_timer() {
    return [this](std::string_view method, std::string_view pattern, http::Handler handler) -> http::Handler {
        return
            [this, method = std::string(method), route = std::string(pattern), handler = std::move(handler)](
                http::Request& request, std::shared_ptr<http::ResponseChannel> channel) {
                handler(request, std::make_shared<TimedResponseChannel>(std::move(channel),
                                                                        request_durations_, method, route));
            };
    };
}

bool ExecdTelemetry::start_export(const std::string& hostinfo_path) {
    const common::OtlpIdentity identity{
        "opensandbox-execd-" + std::string(common::build_info().version),
        "opensandbox/execd",
        "OPENSANDBOX_ID",
        "OPENSANDBOX_EXECD_METRICS_EXTRA_ATTRS",
    };
    exporter_ = common::start_otlp_export_from_environment(identity, registry_, execd_otlp_names(),
                                                           kUnmarkedSockets, hostinfo_path);
    return exporter_ != nullptr;
}

void ExecdTelemetry::stop() {
    if (exporter_) {
        exporter_->stop();
    }
}

}  // namespace execd::telemetry
