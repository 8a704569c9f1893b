#pragma once

#include <span>

#include "common/ip_address.hpp"
#include "nft/address_provenance.hpp"
#include "nft/nft_batch.hpp"
#include "nft/ruleset_config.hpp"

namespace egress::nft {

// The whole table in one transaction: add table (so a fresh namespace has one to delete), delete
// it, then create sets, elements, chains and rules. Replaces any previous table atomically: no
// packet sees a half-built or missing ruleset, and nothing is duplicated.
void append_install(NftBatch& batch, const RulesetOptions& options, const FilterPolicy& policy);

// A policy change in place: chain policy updated, filter rules and static sets replaced, `revoked`
// learned elements deleted from the dyn_allow and dyn_port_allow sets; everything else (learned
// addresses) untouched. With `previous` (the policy in force), the port-scoped sets change by their
// difference only: emptying and refilling an interval set of concatenations costs the kernel
// time in proportion to its size.
void append_policy_update(NftBatch& batch, const RulesetOptions& options, const FilterPolicy& policy,
                          const Revocation& revoked, const FilterPolicy* previous = nullptr);

// delete table inet opensandbox.
void append_removal(NftBatch& batch);

// A throw-away table with one `socket cgroupv2` rule, deleted in the same batch: the kernel refuses
// it before Linux 5.13, and then refuses the whole batch, so nothing is left either way.
void append_socket_cgroup_probe(NftBatch& batch, uint64_t cgroup_id);

}  // namespace egress::nft
