#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

// Lookups in an OTLP ExportMetricsServiceRequest (JSON encoding).
namespace otlp_test {

// The metric named `name` in an ExportMetricsServiceRequest, if present.
inline std::optional<nlohmann::json> find_metric(const nlohmann::json& request, const std::string& name) {
    for (const auto& resource : request.at("resourceMetrics")) {
        for (const auto& scope : resource.at("scopeMetrics")) {
            for (const auto& metric : scope.at("metrics")) {
                if (metric.at("name") == name) {
                    return metric;
                }
            }
        }
    }
    return std::nullopt;
}

// The string value of a key in an OTLP attribute list, if present.
inline std::optional<std::string> attribute(const nlohmann::json& attributes, const std::string& key) {
    for (const auto& entry : attributes) {
        if (entry.at("key") == key) {
            return entry.at("value").at("stringValue").get<std::string>();
        }
    }
    return std::nullopt;
}

}  // namespace otlp_test
