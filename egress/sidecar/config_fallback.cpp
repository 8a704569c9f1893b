#include "sidecar/config_fallback.hpp"

#include <spdlog/spdlog.h>

#include <utility>

#include "policy/policy_file.hpp"

namespace egress::sidecar {

ConfigFallback make_config_fallback(std::string variable, std::string value, std::string problem,
                                    std::string fallback) {
    ConfigFallback made;
    made.warning = variable + "=\"" + value + "\": " + problem + "; " + fallback;
    made.variable = std::move(variable);
    made.value = std::move(value);
    made.problem = std::move(problem);
    made.fallback = std::move(fallback);
    return made;
}

ConfigFallback policy_file_fallback(const std::filesystem::path& policy_file, std::string_view problem) {
    ConfigFallback made =
        make_config_fallback("OPENSANDBOX_EGRESS_POLICY_FILE", policy_file.string(),
                             "the file " + std::string(problem), "using OPENSANDBOX_EGRESS_RULES");
    made.warning = policy::policy_file_fallback_warning(policy_file, problem);
    return made;
}

std::string refusal_text(const ConfigFallback& fallback) {
    return fallback.variable + "=\"" + fallback.value + "\": " + fallback.problem +
           " (without OPENSANDBOX_EGRESS_STRICT: " + fallback.fallback + ")";
}

void handle_fallbacks(std::span<const ConfigFallback> fallbacks, bool strict) {
    if (!strict) {
        for (const ConfigFallback& fallback : fallbacks) {
            spdlog::warn("{}", fallback.warning);
        }
        return;
    }
    std::string refusals;
    for (const ConfigFallback& fallback : fallbacks) {
        refusals += (refusals.empty() ? "" : "; ") + refusal_text(fallback);
    }
    if (!refusals.empty()) {
        throw StrictModeRefusal(refusals);
    }
}

}  // namespace egress::sidecar
