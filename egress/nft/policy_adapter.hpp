#pragma once

#include "nft/address_provenance.hpp"
#include "nft/ruleset_config.hpp"
#include "policy/policy_snapshot.hpp"

namespace egress::nft {

// The nft view of a policy snapshot: default action and IP/CIDR sets, plus the fixed parts the
// snapshot does not know (exempt nameservers, DoH options).
FilterPolicy filter_policy_from(const policy::PolicySnapshot& snapshot,
                                std::vector<common::IpAddress> nameservers, DohBlocking doh);

// What the snapshot opens a name's learned addresses for (nullopt: the name is denied): the
// DNS decision, and the ports of the allow rules for the name.
NameGrantLookup name_grants_of(std::shared_ptr<const policy::PolicySnapshot> snapshot);

}  // namespace egress::nft
