#include "sidecar/logging_setup.hpp"

#include "common/config.hpp"
#include "common/log.hpp"
#include "common/otlp_settings.hpp"

namespace egress::sidecar {

std::vector<std::pair<std::string, std::string>> log_root_fields() {
    std::vector<std::pair<std::string, std::string>> fields;
    if (auto sandbox_id = common::env_trimmed("OPENSANDBOX_EGRESS_SANDBOX_ID");
        sandbox_id && !sandbox_id->empty()) {
        fields.emplace_back("sandbox_id", *sandbox_id);
    }
    std::vector<std::string> ignored_warnings;
    for (auto& attribute : common::parse_otlp_attributes(
             common::env_or("OPENSANDBOX_EGRESS_METRICS_EXTRA_ATTRS", ""), ignored_warnings)) {
        fields.push_back(std::move(attribute));
    }
    return fields;
}

void init_egress_logging(const EgressConfig& config) {
    const auto root = log_root_fields();
    std::vector<common::LogField> fields;
    for (const auto& [key, value] : root) {
        fields.emplace_back(key, value);
    }
    common::init_logging("opensandbox.egress", common::log_level_from_name(config.log_level),
                         config.log_output, fields, config.log_rotation);
}

}  // namespace egress::sidecar
