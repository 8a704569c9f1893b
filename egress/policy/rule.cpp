#include "policy/rule.hpp"

#include <string>

#include "policy/policy_error.hpp"
#include "policy/text.hpp"

namespace egress::policy {

std::string_view to_string(Action action) {
    return action == Action::allow ? "allow" : "deny";
}

Action parse_action(std::string_view raw) {
    const std::string action = to_lower_ascii(trim_space(raw));
    if (action.empty() || action == "deny") {
        return Action::deny;
    }
    if (action == "allow") {
        return Action::allow;
    }
    throw PolicyError("unsupported action \"" + action + "\"");
}

Rule make_rule(std::string_view action, std::string_view target) {
    const Action parsed_action = parse_action(action);
    return {parsed_action, parse_target(target)};
}

}  // namespace egress::policy
