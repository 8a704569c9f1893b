#include "policy/policy_mode.hpp"

namespace egress::policy {

PolicyMode mode_of(const Policy& policy) {
    if (!policy.rules.empty()) {
        return PolicyMode::enforcing;
    }
    return policy.default_action == Action::allow ? PolicyMode::allow_all : PolicyMode::deny_all;
}

std::string_view to_string(PolicyMode mode) {
    switch (mode) {
        case PolicyMode::deny_all:
            return "deny_all";
        case PolicyMode::allow_all:
            return "allow_all";
        case PolicyMode::enforcing:
            return "enforcing";
    }
    return "enforcing";
}

}  // namespace egress::policy
