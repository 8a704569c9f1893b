#pragma once

#include <optional>

#include "common/ip_address.hpp"
#include "policy/decision.hpp"
#include "policy/name_grant.hpp"
#include "policy/policy_snapshot.hpp"

namespace egress::policy {

// What decided a packet's fate at the address layer.
enum class AddressLayer : uint8_t {
    rule,     // an address/CIDR rule (or a rule without target) of the decision's source
    learned,  // the address was learned from an allowed answer (see the learned entries)
    fixed,    // the sidecar's own rules: DNS only through the proxy, DNS-over-TLS dropped
    none,     // no rule matched: defaultAction
};

// "rule", "learned", "fixed" or "default".
std::string_view to_string(AddressLayer layer);

struct AddressDecision {
    Decision decision;
    AddressLayer layer = AddressLayer::none;
};

// The first packet of a connection to `address` (on `port`, when given) as the filter chain judges
// it in mode dns+nft, in the chain's order: port 53 and 853, deny rules (with ports first), learned
// addresses (`learned_open`: a learned element opens this address and port), allow rules, audited
// rules, defaultAction. Address rules decide by their kind, not their order: deny wins.
AddressDecision decide_address(const PolicySnapshot& snapshot, const common::IpAddress& address,
                               std::optional<ProtocolPort> port, bool learned_open);

}  // namespace egress::policy
