#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/metrics.hpp"
#include "common/otlp_settings.hpp"

// Metric snapshots encoded as an OTLP ExportMetricsServiceRequest in the protobuf JSON mapping:
// resourceMetrics -> scopeMetrics -> metrics, each a gauge, a cumulative sum or a cumulative histogram.
namespace common {

// How a registry family appears in OTLP. A family named in no entry keeps its Prometheus name. With
// `only_label` set, the entry takes just the children whose `only_label` equals `only_value` and drops
// that label (e.g. the denied outcome of a queries counter becomes its own counter). `scale` multiplies
// values, histogram bounds and sums (seconds -> milliseconds is 1000).
struct OtlpName {
    std::string_view family;
    std::string_view otlp_name;
    std::string_view unit;
    std::string_view only_label = {};
    std::string_view only_value = {};
    double scale = 1;
};

struct OtlpPayloadContext {
    const OtlpAttributes& resource_attributes;
    std::string_view scope_name;
    std::string_view scope_version;
    std::span<const OtlpName> names;
    uint64_t start_unix_nano = 0;  // start of the cumulative sums and histograms
    uint64_t now_unix_nano = 0;
};

// Families without children are left out.
std::string encode_otlp_metrics(const std::vector<FamilySnapshot>& families,
                                const OtlpPayloadContext& context);

}  // namespace common
