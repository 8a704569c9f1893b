#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "policy/policy.hpp"

namespace egress::policy {

// The policy JSON codec. Every parser validates completely and throws PolicyError with a
// message that carries no prefix (the HTTP layer adds "invalid policy: " and the like).

// POST/PUT body, OPENSANDBOX_EGRESS_RULES and the policy file. Empty or whitespace text, "null"
// and "{}" give default_deny_policy(). Keys match case-insensitively, unknown keys are ignored,
// the last of duplicate keys wins, null strings count as "", a missing or empty defaultAction
// means deny and "egress":null means no rules.
Policy parse_policy(std::string_view text);

// PATCH body: a non-empty JSON array of rules. Throws "empty array" for [] or null.
std::vector<Rule> parse_rule_list(std::string_view text);

// DELETE body: a non-empty JSON array of target strings, returned trimmed with blanks dropped.
// Throws "empty array" for [] or null.
std::vector<std::string> parse_target_list(std::string_view text);

// {"egress":[{"action":..,"target":..}],"defaultAction":..} in that field order (GET shape).
nlohmann::ordered_json policy_to_json(const Policy& policy);
// "enforce" or "audit".
std::string_view to_string(EnforcementMode mode);
// Case-insensitive, blank means enforce; throws PolicyError for anything else.
EnforcementMode parse_enforcement_mode(std::string_view raw);
// {"action","target"} and, for a rule limited to ports, "ports" and "protocol"; a rule without a
// target has no "target".
nlohmann::ordered_json rule_to_json(const Rule& rule);
std::string serialize_policy(const Policy& policy);
// Indented, newline-terminated: the policy file format.
std::string serialize_policy_pretty(const Policy& policy);

}  // namespace egress::policy
