#pragma once

#include <span>
#include <string_view>

#include "common/log.hpp"
#include "policy/policy.hpp"

namespace egress::api {

// Upstream's structured policy events (field opensandbox.event):
//   egress.loaded         info        "egress policy loaded"         egress.default, rules
//   egress.updated        info        "egress policy updated"        egress.default, rules (the delta)
//   egress.update_failed  warn|error  "egress policy update failed"  error
// `rules` is [{"action","target"},...] as the policy API writes rules.

// Once at start, with the initial user policy (no always-overlay).
void log_policy_loaded(const policy::Policy& user_policy);
// After a change was applied: the user policy now in force and the rules the request changed.
void log_policy_updated(const policy::Policy& applied, std::span<const policy::Rule> delta);
// A change was refused: warn for a request that failed validation, error when applying it failed.
void log_policy_update_failed(common::LogLevel level, std::string_view error);

}  // namespace egress::api
