#pragma once

#include <cstdint>
#include <string_view>

#include "policy/target.hpp"

namespace egress::policy {

enum class Action : uint8_t { allow, deny };

// "allow" or "deny".
std::string_view to_string(Action action);

// Case-insensitive, surrounding whitespace ignored; an empty action means deny (upstream
// leniency). Throws PolicyError `unsupported action "<action>"` for anything else.
Action parse_action(std::string_view raw);

struct Rule {
    Action action = Action::deny;
    Target target;

    bool operator==(const Rule&) const = default;
};

// Validates both parts; throws PolicyError naming what is wrong.
Rule make_rule(std::string_view action, std::string_view target);

}  // namespace egress::policy
