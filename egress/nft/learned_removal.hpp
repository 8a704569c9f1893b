#pragma once

#include "nft/address_provenance.hpp"
#include "nft/nft_batch.hpp"

namespace egress::nft {

// Deletes the learned elements `removed` lists from dyn_allow and dyn_port_allow; elements the
// kernel expired meanwhile are not an error.
void remove_learned_elements(NftBatch& batch, const Revocation& removed);

}  // namespace egress::nft
