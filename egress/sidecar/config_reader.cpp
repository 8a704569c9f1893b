#include "sidecar/config_reader.hpp"

#include <utility>

#include "common/config.hpp"

namespace egress::sidecar {

std::optional<bool> parse_flag(std::string_view text) {
    const std::string_view value = common::trim(text);
    if (value.empty() || common::is_truthy(value)) {
        return !value.empty();
    }
    for (const std::string_view falsy : {"0", "false", "no", "n", "off"}) {
        if (common::equals_ignoring_case(value, falsy)) {
            return false;
        }
    }
    return std::nullopt;
}

std::optional<std::string> ConfigReader::raw(const std::string& variable) const {
    return common::env_raw(variable);
}

std::string ConfigReader::text(const std::string& variable, std::string_view fallback) const {
    return common::env_or(variable, fallback);
}

bool ConfigReader::flag(const std::string& variable) {
    const std::string value = raw(variable).value_or("");
    const std::optional<bool> parsed = parse_flag(value);
    if (!parsed) {
        record(make_config_fallback(
            variable, value, "not a boolean (1, true, yes, y, on or 0, false, no, n, off)", "using false"));
    }
    return parsed.value_or(false);
}

int64_t ConfigReader::integer(const std::string& variable, int64_t fallback, int64_t min, int64_t max) {
    const std::string value = raw(variable).value_or("");
    if (value.empty()) {
        return fallback;
    }
    const std::optional<int64_t> parsed = common::parse_int(value);
    if (parsed && *parsed >= min && *parsed <= max) {
        return *parsed;
    }
    record(make_config_fallback(variable, value,
                                "not an integer from " + std::to_string(min) + " to " + std::to_string(max),
                                "using " + std::to_string(fallback)));
    return fallback;
}

void ConfigReader::record(ConfigFallback fallback) {
    fallbacks_.push_back(std::move(fallback));
}

std::vector<ConfigFallback> ConfigReader::take_fallbacks() {
    return std::exchange(fallbacks_, {});
}

}  // namespace egress::sidecar
