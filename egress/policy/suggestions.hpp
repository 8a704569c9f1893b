#pragma once

#include <string>
#include <vector>

#include "policy/audited_destination.hpp"
#include "policy/rule.hpp"

namespace egress::policy {

// One suggested allow rule and what it would admit: denied names, or destinations' tally keys.
struct Suggestion {
    Rule rule;
    std::vector<std::string> admits;  // sorted
};

// The fewest allow rules that admit every name given (denied or would-deny names: lowercase, no
// trailing dot): a name stays an exact rule unless at least `siblings_for_wildcard` distinct names
// share its parent domain, which then becomes "*.<parent>" (never directly under a top-level
// domain or a well-known second-level one such as co.uk). A wildcard does not admit its apex, so a
// denied apex keeps its own rule. Sorted by target.
std::vector<Suggestion> suggest_allow_rules(const std::vector<std::string>& names,
                                            size_t siblings_for_wildcard = 3);

// The fewest allow rules that admit every destination given: per address, one rule per protocol
// listing its ports, or one rule for the whole address when a destination without a port was seen
// or a protocol has more ports than a rule may list. Sorted by address.
std::vector<Suggestion> suggest_address_rules(const std::vector<AuditedDestination>& destinations);

}  // namespace egress::policy
