#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace egress::policy {

// Where the rule that decided comes from.
enum class RuleSource : uint8_t { always_deny, always_allow, policy, default_action };

// "always-deny", "always-allow", "policy" or "default".
std::string_view to_string(RuleSource source);

// would_deny: let through because the policy audits, but a denial in enforce mode.
enum class Verdict : uint8_t { allow, deny, would_deny };

// "allow", "deny" or "would-deny".
std::string_view to_string(Verdict verdict);

// One decision and the rule that made it.
struct Decision {
    Verdict verdict = Verdict::deny;
    RuleSource source = RuleSource::default_action;
    size_t rule_index = 0;  // within its source (the user policy's `egress` index); 0 for default

    bool lets_through() const { return verdict != Verdict::deny; }
    bool operator==(const Decision&) const = default;
};

}  // namespace egress::policy
