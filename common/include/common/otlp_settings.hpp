#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Where and how a daemon pushes its metrics with OTLP over HTTP (JSON encoding), read from the standard
// OpenTelemetry variables plus the daemon's own attribute variables.
namespace common {

using OtlpAttributes = std::vector<std::pair<std::string, std::string>>;

struct OtlpEndpoint {
    std::string origin;  // scheme://host[:port]
    std::string host;    // without the brackets of an IPv6 address
    uint16_t port = 80;
    std::string path;  // starts with '/'
};

struct OtlpSettings {
    OtlpEndpoint endpoint;
    OtlpAttributes resource_attributes;  // service.name first, then sandbox_id and the extra attributes
    std::string scope_name;              // instrumentation scope (meter) name
    std::chrono::milliseconds interval{15000};
    std::chrono::milliseconds timeout{5000};
    size_t max_pending = 4;    // payloads kept while the collector is unreachable; older ones are dropped
    uint32_t socket_mark = 0;  // SO_MARK for the exporter's sockets; 0 leaves them unmarked
};

// Which variables name the daemon's identity.
struct OtlpIdentity {
    std::string default_service_name;  // used when OTEL_SERVICE_NAME is unset
    std::string scope_name;
    std::string sandbox_id_variable;
    std::string extra_attributes_variable;
};

// "http://host:port/path" (or without a scheme, taken as http). Throws std::invalid_argument for an empty
// host, a scheme other than http, or a malformed port.
OtlpEndpoint parse_otlp_endpoint(std::string_view url);

// OTEL_EXPORTER_OTLP_METRICS_ENDPOINT as given, else OTEL_EXPORTER_OTLP_ENDPOINT + "/v1/metrics"; nullopt
// when neither is set.
std::optional<std::string> otlp_metrics_url_from_environment();

// "k=v,k2=v2": trimmed pairs; a pair without '=' or with an empty key is skipped and described in
// `warnings`.
OtlpAttributes parse_otlp_attributes(std::string_view text, std::vector<std::string>& warnings);

// nullopt (export disabled) when no endpoint variable is set or the endpoint is invalid (then described
// in `warnings`). Interval and timeout come from OTEL_METRIC_EXPORT_INTERVAL / OTEL_METRIC_EXPORT_TIMEOUT
// (milliseconds), the pending-payload bound from OPENSANDBOX_OTLP_MAX_PENDING.
std::optional<OtlpSettings> otlp_settings_from_environment(const OtlpIdentity& identity,
                                                           std::vector<std::string>& warnings);

}  // namespace common
