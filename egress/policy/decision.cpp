#include "policy/decision.hpp"

namespace egress::policy {

std::string_view to_string(RuleSource source) {
    switch (source) {
        case RuleSource::always_deny:
            return "always-deny";
        case RuleSource::always_allow:
            return "always-allow";
        case RuleSource::policy:
            return "policy";
        case RuleSource::default_action:
            break;
    }
    return "default";
}

std::string_view to_string(Verdict verdict) {
    switch (verdict) {
        case Verdict::allow:
            return "allow";
        case Verdict::would_deny:
            return "would-deny";
        case Verdict::deny:
            break;
    }
    return "deny";
}

}  // namespace egress::policy
