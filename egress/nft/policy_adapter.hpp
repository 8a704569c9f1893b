#pragma once

#include "nft/address_provenance.hpp"
#include "nft/ruleset_config.hpp"
#include "policy/policy_snapshot.hpp"

namespace egress::nft {

// The nft view of a policy snapshot: default action and IP/CIDR sets, plus the fixed parts the
// snapshot does not know (exempt nameservers, DoH options).
FilterPolicy filter_policy_from(const policy::PolicySnapshot& snapshot,
                                std::vector<common::IpAddress> nameservers, DohBlocking doh);

// "Is this learned name still allowed" for revocation: the snapshot's DNS decision.
AddressProvenance::NameAllowed name_allowed_by(std::shared_ptr<const policy::PolicySnapshot> snapshot);

}  // namespace egress::nft
