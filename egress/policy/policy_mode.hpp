#pragma once

#include <cstdint>
#include <string_view>

#include "policy/policy.hpp"

namespace egress::policy {

enum class PolicyMode : uint8_t { deny_all, allow_all, enforcing };

// Upstream's modeFromPolicy: no rules gives deny_all or allow_all after defaultAction; any rule
// at all gives enforcing.
PolicyMode mode_of(const Policy& policy);

// "deny_all", "allow_all" or "enforcing".
std::string_view to_string(PolicyMode mode);

}  // namespace egress::policy
