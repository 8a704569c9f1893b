#pragma once

#include <cstdint>
#include <string_view>

#include "policy/port_scope.hpp"
#include "policy/target.hpp"

namespace egress::policy {

// audit: what the rule matches is let through but recorded as a decision that would deny it.
enum class Action : uint8_t { allow, deny, audit };

// "allow", "deny" or "audit".
std::string_view to_string(Action action);

// Case-insensitive, surrounding whitespace ignored; an empty action means deny (upstream
// leniency). Throws PolicyError `unsupported action "<action>"` for anything else.
Action parse_action(std::string_view raw);

struct Rule {
    Action action = Action::deny;
    Target target;
    PortScope scope;

    bool operator==(const Rule&) const = default;
};

// Validates every part; throws PolicyError naming what is wrong. A rule needs a target, ports, or
// both: without a target it applies to every address on its ports. Ports on a name are allowed
// only for an allow rule (a name's answer is given or refused; it cannot be refused per port), and
// an audit rule has no ports.
Rule make_rule(std::string_view action, std::string_view target, const RawPortScope& scope = {});

}  // namespace egress::policy
