#pragma once

#include <memory>
#include <span>
#include <string>

#include "common/metrics.hpp"
#include "common/otlp_exporter.hpp"
#include "common/resource_sampler.hpp"
#include "http/router.hpp"
#include "telemetry/operation_metrics.hpp"

namespace execd::telemetry {

// Where the node's address is read when neither an OTLP endpoint nor HOST_IP is set.
inline constexpr const char* kHostinfoPath = "/etc/hostinfo";

// How execd's registry families are named in OTLP (upstream's metric names and units).
std::span<const common::OtlpName> execd_otlp_names();

// execd's metrics: request durations per route template, execution and filesystem operation durations
// (installed as the process's OperationMetrics), the execd_system_* gauges, and their OTLP export
// when OTEL_EXPORTER_OTLP_METRICS_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT is set or, failing that, a
// node collector is found through HOST_IP or the hostinfo file.
class ExecdTelemetry {
  public:
    // `sampler` must outlive this object.
    explicit ExecdTelemetry(const common::ResourceSampler& sampler);
    ~ExecdTelemetry();
    ExecdTelemetry(const ExecdTelemetry&) = delete;
    ExecdTelemetry& operator=(const ExecdTelemetry&) = delete;

    // For Router::set_decorator: times every request of the routes added afterwards.
    http::HandlerDecorator request_timer();

    // Starts the exporter if an endpoint is configured or a node collector found; returns whether it did.
    bool start_export(const std::string& hostinfo_path = kHostinfoPath);
    void stop();

    common::MetricsRegistry& registry() { return registry_; }

  private:
    common::MetricsRegistry registry_;
    common::Family<common::Histogram>& request_durations_;
    OperationMetrics operations_;
    std::unique_ptr<common::OtlpExporter> exporter_;
};

}  // namespace execd::telemetry
