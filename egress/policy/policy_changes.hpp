#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "policy/policy.hpp"

namespace egress::policy {

// OPENSANDBOX_EGRESS_MAX_RULES default; 0 means unlimited.
inline constexpr size_t default_max_rules = 4096;

// An OPENSANDBOX_EGRESS_MAX_RULES value: a decimal count (surrounding whitespace ignored), 0 for
// unlimited; nullopt for anything else, empty text included.
std::optional<size_t> parse_rule_limit(std::string_view text);

// Reads an OPENSANDBOX_EGRESS_MAX_RULES value like upstream: parse_rule_limit, where empty, negative
// or unparsable text gives default_max_rules.
size_t parse_max_rules(std::string_view text);

// Throws RuleLimitError "egress rule total count N exceeds limit M" when max_rules is not 0 and
// the policy has more rules.
void check_rule_limit(const Policy& policy, size_t max_rules);

// PATCH: the patch rules in request order, then the base rules; of rules with the same
// normalised target and the same ports (protocol and port set) the first is kept. defaultAction stays the
// base's.
Policy merge_rules(const Policy& base, std::span<const Rule> patch);

struct DeletionResult {
    Policy policy;
    size_t removed_count = 0;
};

// DELETE: removes every rule (whatever its ports) whose normalised target equals one of the targets after the
// same normalisation (so "Example.COM." removes "example.com"). Blank targets are skipped; a target that
// could never be a rule is a PolicyError. The policy is unchanged when nothing matched.
DeletionResult delete_targets(const Policy& base, std::span<const std::string> targets);

}  // namespace egress::policy
