#pragma once

#include "api/policy_insight_handlers.hpp"
#include "nft/address_provenance.hpp"

namespace egress::sidecar {

// Explain's view of the addresses the nftables layer learned (the provenance outlives the lookup).
api::LearnedLookup learned_lookup_of(const nft::AddressProvenance& provenance);

}  // namespace egress::sidecar
