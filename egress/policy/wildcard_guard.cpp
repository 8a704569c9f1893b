#include "policy/wildcard_guard.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <utility>

#include "policy/json_document.hpp"
#include "policy/policy_error.hpp"
#include "policy/text.hpp"

namespace egress::policy {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<std::string_view, uint16_t>, 16> kQueryTypes{{
    {"A", 1},
    {"NS", 2},
    {"CNAME", 5},
    {"SOA", 6},
    {"NULL", 10},
    {"PTR", 12},
    {"MX", 15},
    {"TXT", 16},
    {"AAAA", 28},
    {"SRV", 33},
    {"NAPTR", 35},
    {"DS", 43},
    {"SVCB", 64},
    {"HTTPS", 65},
    {"ANY", 255},
    {"CAA", 257},
}};

std::string query_type_name(uint16_t type) {
    for (const auto& [name, value] : kQueryTypes) {
        if (value == type) {
            return std::string(name);
        }
    }
    return "TYPE" + std::to_string(type);
}

uint16_t parse_query_type(const json& value, const std::string& path) {
    if (!value.is_string()) {
        throw PolicyError(path + " must be a string, got " + json_type_name(value));
    }
    std::string name(trim_space(value.get_ref<const std::string&>()));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; });
    for (const auto& [known, type] : kQueryTypes) {
        if (known == name) {
            return type;
        }
    }
    uint16_t type = 0;
    const std::string_view digits = std::string_view(name).substr(std::min<size_t>(4, name.size()));
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), type);
    if (!name.starts_with("TYPE") || digits.empty() || error != std::errc() ||
        end != digits.data() + digits.size()) {
        throw PolicyError(path + ": unknown query type \"" + name +
                          "\" (use A, AAAA, CNAME, HTTPS, ... or TYPE<n>)");
    }
    return type;
}

uint64_t bounded_number(const json& object, const char* key, const char* field, uint64_t max,
                        uint64_t fallback) {
    const auto found = object.find(key);
    if (found == object.end() || found->is_null()) {
        return fallback;
    }
    if (!found->is_number_unsigned() || found->get<uint64_t>() > max) {
        throw PolicyError(std::string("wildcardGuard.") + field + " must be an integer from 0 to " +
                          std::to_string(max));
    }
    return found->get<uint64_t>();
}

bool any_run_over_entropy(std::string_view text, double max_entropy) {
    for (size_t start = 0; start < text.size();) {
        const size_t end = std::min(text.find_first_of(".-", start), text.size());
        const std::string_view run = text.substr(start, end - start);
        if (run.size() >= kEntropyMinimumLength && entropy_bits_per_character(run) > max_entropy) {
            return true;
        }
        start = end + 1;
    }
    return false;
}

}  // namespace

std::string_view to_string(GuardLimit limit) {
    switch (limit) {
        case GuardLimit::none:
            return "";
        case GuardLimit::query_type:
            return "query_type";
        case GuardLimit::label_length:
            return "label_length";
        case GuardLimit::name_length:
            return "name_length";
        case GuardLimit::new_names:
            return "new_names";
        case GuardLimit::entropy:
            return "entropy";
    }
    return "";
}

double entropy_bits_per_character(std::string_view text) {
    std::array<uint32_t, 256> counts{};
    for (const char c : text) {
        ++counts[static_cast<uint8_t>(c)];
    }
    const size_t total = text.size();
    double entropy = 0;
    for (const uint32_t count : counts) {
        if (count != 0) {
            const double share = static_cast<double>(count) / static_cast<double>(total);
            entropy -= share * std::log2(share);
        }
    }
    return entropy;
}

GuardLimit stateless_limit_over(const WildcardGuardLimits& limits, std::string_view name,
                                std::string_view under_wildcard, uint16_t query_type) {
    const auto& types = limits.query_types;
    if (!types.empty() && std::find(types.begin(), types.end(), query_type) == types.end()) {
        return GuardLimit::query_type;
    }
    if (limits.max_name_length != 0 && name.size() > limits.max_name_length) {
        return GuardLimit::name_length;
    }
    if (limits.max_label_length != 0) {
        for (size_t start = 0; start <= name.size();) {
            const size_t dot = std::min(name.find('.', start), name.size());
            if (dot - start > limits.max_label_length) {
                return GuardLimit::label_length;
            }
            start = dot + 1;
        }
    }
    if (limits.max_entropy > 0 && any_run_over_entropy(under_wildcard, limits.max_entropy)) {
        return GuardLimit::entropy;
    }
    return GuardLimit::none;
}

WildcardGuardLimits parse_wildcard_guard(const json& value) {
    WildcardGuardLimits limits;
    if (value.is_null()) {
        return limits;
    }
    if (!value.is_object()) {
        throw PolicyError(std::string("wildcardGuard must be an object, got ") + json_type_name(value));
    }
    if (const auto enabled = value.find("enabled"); enabled != value.end() && !enabled->is_null()) {
        if (!enabled->is_boolean()) {
            throw PolicyError(std::string("wildcardGuard.enabled must be a boolean, got ") +
                              json_type_name(*enabled));
        }
        limits.enabled = enabled->get<bool>();
    }
    if (const auto types = value.find("querytypes"); types != value.end() && !types->is_null()) {
        if (!types->is_array()) {
            throw PolicyError(std::string("wildcardGuard.queryTypes must be an array of strings, got ") +
                              json_type_name(*types));
        }
        limits.query_types.clear();
        for (size_t i = 0; i < types->size(); ++i) {
            const uint16_t type =
                parse_query_type((*types)[i], "wildcardGuard.queryTypes[" + std::to_string(i) + "]");
            if (std::find(limits.query_types.begin(), limits.query_types.end(), type) ==
                limits.query_types.end()) {
                limits.query_types.push_back(type);
            }
        }
    }
    limits.max_label_length = static_cast<uint32_t>(
        bounded_number(value, "maxlabellength", "maxLabelLength", 63, limits.max_label_length));
    limits.max_name_length = static_cast<uint32_t>(
        bounded_number(value, "maxnamelength", "maxNameLength", 253, limits.max_name_length));
    limits.new_names_per_minute = static_cast<uint32_t>(bounded_number(
        value, "newnamesperminute", "newNamesPerMinute", 1000000, limits.new_names_per_minute));
    limits.new_names_burst = static_cast<uint32_t>(
        bounded_number(value, "newnamesburst", "newNamesBurst", 1000000, limits.new_names_burst));
    if (const auto entropy = value.find("maxentropy"); entropy != value.end() && !entropy->is_null()) {
        if (!entropy->is_number() || entropy->get<double>() < 0 || entropy->get<double>() > 8) {
            throw PolicyError("wildcardGuard.maxEntropy must be a number from 0 to 8");
        }
        limits.max_entropy = entropy->get<double>();
    }
    return limits;
}

nlohmann::ordered_json wildcard_guard_to_json(const WildcardGuardLimits& limits) {
    nlohmann::ordered_json types = nlohmann::ordered_json::array();
    for (const uint16_t type : limits.query_types) {
        types.push_back(query_type_name(type));
    }
    return {{"enabled", limits.enabled},
            {"queryTypes", std::move(types)},
            {"maxLabelLength", limits.max_label_length},
            {"maxNameLength", limits.max_name_length},
            {"newNamesPerMinute", limits.new_names_per_minute},
            {"newNamesBurst", limits.new_names_burst},
            {"maxEntropy", limits.max_entropy}};
}

}  // namespace egress::policy
