#include "common/otlp_settings.hpp"

#include <stdexcept>

#include "common/config.hpp"

namespace common {
namespace {

constexpr int64_t kDefaultIntervalMs = 15000;
constexpr int64_t kDefaultTimeoutMs = 5000;
constexpr int64_t kDefaultMaxPending = 4;

uint16_t parse_port(std::string_view port, std::string_view url) {
    const auto number = parse_int(port);
    if (!number || *number < 1 || *number > 65535) {
        throw std::invalid_argument("OTLP endpoint \"" + std::string(url) + "\" has an invalid port");
    }
    return static_cast<uint16_t>(*number);
}

// Validates "host[:port]" or "[v6]:port" and fills in the endpoint's host and port.
void parse_authority(std::string_view authority, std::string_view url, OtlpEndpoint& endpoint) {
    if (authority.empty()) {
        throw std::invalid_argument("OTLP endpoint \"" + std::string(url) + "\" has no host");
    }
    size_t port_colon = std::string_view::npos;
    if (authority.front() == '[') {
        const size_t close = authority.find(']');
        if (close == std::string_view::npos || close == 1) {
            throw std::invalid_argument("OTLP endpoint \"" + std::string(url) + "\" has a malformed host");
        }
        if (close + 1 < authority.size()) {
            if (authority[close + 1] != ':') {
                throw std::invalid_argument("OTLP endpoint \"" + std::string(url) +
                                            "\" has a malformed host");
            }
            port_colon = close + 1;
        }
        endpoint.host = std::string(authority.substr(1, close - 1));
    } else {
        port_colon = authority.find(':');
        if (port_colon == 0) {
            throw std::invalid_argument("OTLP endpoint \"" + std::string(url) + "\" has no host");
        }
        endpoint.host = std::string(authority.substr(0, port_colon));
    }
    if (port_colon != std::string_view::npos) {
        endpoint.port = parse_port(authority.substr(port_colon + 1), url);
    }
}

}  // namespace

OtlpEndpoint parse_otlp_endpoint(std::string_view url) {
    std::string_view rest = trim(url);
    const size_t scheme_end = rest.find("://");
    if (scheme_end != std::string_view::npos) {
        if (!equals_ignoring_case(rest.substr(0, scheme_end), "http")) {
            throw std::invalid_argument("OTLP endpoint \"" + std::string(url) +
                                        "\": only http:// is supported (TLS is not built in)");
        }
        rest.remove_prefix(scheme_end + 3);
    }
    const size_t path_start = rest.find('/');
    const std::string_view authority = rest.substr(0, path_start);
    OtlpEndpoint endpoint;
    parse_authority(authority, url, endpoint);
    endpoint.origin = "http://" + std::string(authority);
    endpoint.path = path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
    return endpoint;
}

std::optional<std::string> otlp_metrics_url_from_environment() {
    if (auto metrics = env_trimmed("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"); metrics && !metrics->empty()) {
        return metrics;
    }
    auto base = env_trimmed("OTEL_EXPORTER_OTLP_ENDPOINT");
    if (!base || base->empty()) {
        return std::nullopt;
    }
    while (!base->empty() && base->back() == '/') {
        base->pop_back();
    }
    return *base + "/v1/metrics";
}

OtlpAttributes parse_otlp_attributes(std::string_view text, std::vector<std::string>& warnings) {
    OtlpAttributes attributes;
    for (const std::string& pair : split_list(text)) {
        const size_t equals = pair.find('=');
        const std::string_view key =
            equals == std::string::npos ? std::string_view{} : trim(std::string_view(pair).substr(0, equals));
        if (key.empty()) {
            warnings.push_back("ignoring metrics attribute \"" + pair + "\": expected key=value");
            continue;
        }
        attributes.emplace_back(std::string(key),
                                std::string(trim(std::string_view(pair).substr(equals + 1))));
    }
    return attributes;
}

std::optional<OtlpSettings> otlp_settings_from_environment(const OtlpIdentity& identity,
                                                           std::vector<std::string>& warnings) {
    const auto url = otlp_metrics_url_from_environment();
    if (!url) {
        return std::nullopt;
    }
    OtlpSettings settings;
    try {
        settings.endpoint = parse_otlp_endpoint(*url);
    } catch (const std::invalid_argument& error) {
        warnings.push_back(std::string(error.what()) + "; metrics export disabled");
        return std::nullopt;
    }
    settings.scope_name = identity.scope_name;
    settings.resource_attributes.emplace_back("service.name",
                                              env_or("OTEL_SERVICE_NAME", identity.default_service_name));
    if (auto sandbox_id = env_trimmed(identity.sandbox_id_variable); sandbox_id && !sandbox_id->empty()) {
        settings.resource_attributes.emplace_back("sandbox_id", *sandbox_id);
    }
    for (auto& attribute : parse_otlp_attributes(env_or(identity.extra_attributes_variable, ""), warnings)) {
        settings.resource_attributes.push_back(std::move(attribute));
    }
    settings.interval = std::chrono::milliseconds(
        env_int_in_range_or("OTEL_METRIC_EXPORT_INTERVAL", kDefaultIntervalMs, 10, 86'400'000));
    settings.timeout = std::chrono::milliseconds(
        env_int_in_range_or("OTEL_METRIC_EXPORT_TIMEOUT", kDefaultTimeoutMs, 10, 600'000));
    settings.max_pending =
        static_cast<size_t>(env_int_in_range_or("OPENSANDBOX_OTLP_MAX_PENDING", kDefaultMaxPending, 1, 1000));
    return settings;
}

}  // namespace common
