#include "common/otlp_json.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

namespace common {
namespace {

using nlohmann::json;

constexpr int kAggregationTemporalityCumulative = 2;

json attribute_list(const OtlpAttributes& attributes) {
    json list = json::array();
    for (const auto& [key, value] : attributes) {
        list.push_back({{"key", key}, {"value", {{"stringValue", value}}}});
    }
    return list;
}

// The protobuf JSON mapping writes non-finite doubles as strings.
json double_value(double value) {
    if (std::isnan(value)) {
        return "NaN";
    }
    if (std::isinf(value)) {
        return value > 0 ? "Infinity" : "-Infinity";
    }
    return value;
}

struct Selection {
    OtlpName name;
    std::ptrdiff_t filter_index = -1;  // label the entry filters on, or -1
};

// The attributes of one sample, without the label the selection filters on.
OtlpAttributes sample_attributes(const FamilySnapshot& family, const MetricSample& sample,
                                 const Selection& selection) {
    OtlpAttributes attributes;
    for (size_t i = 0; i < family.label_names.size(); ++i) {
        if (static_cast<std::ptrdiff_t>(i) != selection.filter_index) {
            attributes.emplace_back(family.label_names[i], sample.label_values[i]);
        }
    }
    return attributes;
}

json number_point(const MetricSample& sample, double scale, json base) {
    if (sample.is_integer && scale == 1) {
        base["asInt"] = std::to_string(sample.int_value);
    } else {
        base["asDouble"] = double_value(sample.value * scale);
    }
    return base;
}

json histogram_point(const MetricSample& sample, double scale, json base) {
    json bounds = json::array();
    for (const double bound : sample.upper_bounds) {
        bounds.push_back(double_value(bound * scale));
    }
    json counts = json::array();
    for (const uint64_t count : sample.bucket_counts) {
        counts.push_back(std::to_string(count));
    }
    base["count"] = std::to_string(sample.count);
    base["sum"] = double_value(sample.sum * scale);
    base["bucketCounts"] = std::move(counts);
    base["explicitBounds"] = std::move(bounds);
    return base;
}

json data_points(const FamilySnapshot& family, const Selection& selection,
                 const OtlpPayloadContext& context) {
    json points = json::array();
    for (const MetricSample& sample : family.samples) {
        if (selection.filter_index >= 0 &&
            sample.label_values[static_cast<size_t>(selection.filter_index)] != selection.name.only_value) {
            continue;
        }
        json base = {{"attributes", attribute_list(sample_attributes(family, sample, selection))},
                     {"timeUnixNano", std::to_string(context.now_unix_nano)}};
        if (family.kind != MetricKind::gauge) {
            base["startTimeUnixNano"] = std::to_string(context.start_unix_nano);
        }
        points.push_back(family.kind == MetricKind::histogram
                             ? histogram_point(sample, selection.name.scale, std::move(base))
                             : number_point(sample, selection.name.scale, std::move(base)));
    }
    return points;
}

json metric(const FamilySnapshot& family, const Selection& selection, const OtlpPayloadContext& context) {
    json points = data_points(family, selection, context);
    if (points.empty()) {
        return nullptr;
    }
    json entry = {{"name", std::string(selection.name.otlp_name)},
                  {"description", family.help},
                  {"unit", std::string(selection.name.unit)}};
    switch (family.kind) {
        case MetricKind::gauge:
            entry["gauge"] = {{"dataPoints", std::move(points)}};
            break;
        case MetricKind::counter:
            entry["sum"] = {{"dataPoints", std::move(points)},
                            {"aggregationTemporality", kAggregationTemporalityCumulative},
                            {"isMonotonic", true}};
            break;
        case MetricKind::histogram:
            entry["histogram"] = {{"dataPoints", std::move(points)},
                                  {"aggregationTemporality", kAggregationTemporalityCumulative}};
            break;
    }
    return entry;
}

std::vector<Selection> selections_for(const FamilySnapshot& family, std::span<const OtlpName> names) {
    std::vector<Selection> selections;
    for (const OtlpName& name : names) {
        if (name.family != family.name) {
            continue;
        }
        Selection selection{name};
        if (!name.only_label.empty()) {
            const auto found =
                std::find(family.label_names.begin(), family.label_names.end(), name.only_label);
            if (found == family.label_names.end()) {
                continue;
            }
            selection.filter_index = found - family.label_names.begin();
        }
        selections.push_back(selection);
    }
    if (selections.empty()) {
        selections.push_back(Selection{OtlpName{family.name, family.name, ""}});
    }
    return selections;
}

}  // namespace

std::string encode_otlp_metrics(const std::vector<FamilySnapshot>& families,
                                const OtlpPayloadContext& context) {
    json metrics = json::array();
    for (const FamilySnapshot& family : families) {
        for (const Selection& selection : selections_for(family, context.names)) {
            if (json entry = metric(family, selection, context); !entry.is_null()) {
                metrics.push_back(std::move(entry));
            }
        }
    }
    json scope = {{"name", std::string(context.scope_name)}};
    if (!context.scope_version.empty()) {
        scope["version"] = std::string(context.scope_version);
    }
    const json request = {
        {"resourceMetrics",
         json::array({{{"resource", {{"attributes", attribute_list(context.resource_attributes)}}},
                       {"scopeMetrics",
                        json::array({{{"scope", std::move(scope)}, {"metrics", std::move(metrics)}}})}}})}};
    return request.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace common
