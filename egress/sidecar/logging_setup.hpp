#pragma once

#include <string>
#include <utility>
#include <vector>

#include "sidecar/config.hpp"

namespace egress::sidecar {

// The fields upstream adds to every log line: sandbox_id (OPENSANDBOX_EGRESS_SANDBOX_ID, when set),
// then each key=value of OPENSANDBOX_EGRESS_METRICS_EXTRA_ATTRS (malformed pairs are skipped; the
// telemetry set-up warns about them).
std::vector<std::pair<std::string, std::string>> log_root_fields();

// Installs egress's JSON logger (level, outputs, rotation and root fields from the configuration).
void init_egress_logging(const EgressConfig& config);

}  // namespace egress::sidecar
