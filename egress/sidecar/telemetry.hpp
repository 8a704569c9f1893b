#pragma once

#include <memory>
#include <span>
#include <string>

#include "common/metrics.hpp"
#include "common/otlp_exporter.hpp"
#include "sidecar/config.hpp"

namespace egress::sidecar {

// How egress's Prometheus families are named in OTLP (upstream's metric names).
std::span<const common::OtlpName> egress_otlp_names();

// Where the node's address is read when neither an OTLP endpoint nor HOST_IP is set.
inline constexpr const char* kHostinfoPath = "/etc/hostinfo";

// Registers the egress_system_* resource gauges and, when an OTLP endpoint is configured (or, failing
// that, a node collector is found through HOST_IP or `hostinfo_path`), starts pushing the registry there
// with the bypass socket mark, so the egress policy never applies to the export. Null when export is
// disabled.
std::unique_ptr<common::OtlpExporter> start_telemetry(const EgressConfig& config,
                                                      common::MetricsRegistry& metrics,
                                                      const std::string& hostinfo_path = kHostinfoPath);

}  // namespace egress::sidecar
