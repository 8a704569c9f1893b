#pragma once

#include <string>
#include <vector>

#include "policy/rule.hpp"

namespace egress::policy {

// One suggested allow rule and the denied names it would admit.
struct Suggestion {
    Rule rule;
    std::vector<std::string> names;  // sorted
};

// The fewest allow rules that admit every name given (denied or would-deny names: lowercase, no
// trailing dot): a name stays an exact rule unless at least `siblings_for_wildcard` distinct names
// share its parent domain, which then becomes "*.<parent>" (never directly under a top-level
// domain or a well-known second-level one such as co.uk). A wildcard does not admit its apex, so a
// denied apex keeps its own rule. Sorted by target.
std::vector<Suggestion> suggest_allow_rules(const std::vector<std::string>& names,
                                            size_t siblings_for_wildcard = 3);

}  // namespace egress::policy
