#include "policy/rule.hpp"

#include <string>

#include "policy/policy_error.hpp"
#include "policy/text.hpp"

namespace egress::policy {

std::string_view to_string(Action action) {
    switch (action) {
        case Action::allow:
            return "allow";
        case Action::audit:
            return "audit";
        case Action::deny:
            break;
    }
    return "deny";
}

Action parse_action(std::string_view raw) {
    const std::string action = to_lower_ascii(trim_space(raw));
    if (action.empty() || action == "deny") {
        return Action::deny;
    }
    if (action == "allow") {
        return Action::allow;
    }
    if (action == "audit") {
        return Action::audit;
    }
    throw PolicyError("unsupported action \"" + action + "\"");
}

Rule make_rule(std::string_view action, std::string_view target, const RawPortScope& scope) {
    const Action parsed_action = blaming_field("action", [&] { return parse_action(action); });
    Target parsed_target = trim_space(target).empty() && !scope.ports.empty()
                               ? Target{TargetKind::any, "", {}}
                               : blaming_field("target", [&] { return parse_target(target); });
    PortScope parsed_scope = make_port_scope(parsed_target.text, scope);
    if (parsed_action == Action::audit && parsed_scope.scoped()) {
        throw PolicyError(
            "egress target \"" + parsed_target.text + "\": an audit rule applies to every port (no ports)",
            "ports");
    }
    if (parsed_target.is_name() && parsed_scope.scoped() && parsed_action != Action::allow) {
        throw PolicyError(
            "egress target \"" + parsed_target.text +
                "\": ports on a name need action \"allow\" (a name is answered or refused on every port)",
            "ports");
    }
    return {parsed_action, std::move(parsed_target), std::move(parsed_scope)};
}

}  // namespace egress::policy
