#pragma once

#include <vector>

#include "policy/rule.hpp"
#include "policy/wildcard_guard.hpp"

namespace egress::policy {

// enforce: denials deny. audit: what would be denied (by a rule of the policy or its
// defaultAction) is let through and recorded as a would-deny decision; deny.always still denies.
enum class EnforcementMode : uint8_t { enforce, audit };

// A network policy: ordered rules and the action for names no rule matches.
struct Policy {
    Action default_action = Action::deny;
    std::vector<Rule> rules;
    // Upstream serialises a policy that never had a rule list (the default deny-all) as
    // "egress":null and one parsed from "egress":[] as "egress":[]; GET clients can see the
    // difference, so it is kept.
    bool has_rule_list = false;
    EnforcementMode mode = EnforcementMode::enforce;
    WildcardGuardLimits wildcard_guard;

    bool operator==(const Policy&) const = default;
};

// {"egress":null,"defaultAction":"deny"}: what an empty body, {} or null means.
Policy default_deny_policy();

}  // namespace egress::policy
