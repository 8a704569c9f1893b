#pragma once

#include <string>
#include <string_view>

#include "nft/netlink_objects.hpp"
#include "nft/nft_batch.hpp"

// Typed helpers that put one libnftnl object into a batch as one acknowledged message.
namespace egress::nft {

void add_table(NftBatch& batch, std::string_view table);
void delete_table(NftBatch& batch, std::string_view table);
// NEWCHAIN creates the chain or, for an existing one, updates its policy.
void add_chain(NftBatch& batch, const nftnl_chain& chain, std::string description);
// Removes every rule of the chain.
void flush_chain(NftBatch& batch, std::string_view table, std::string_view chain);
void add_rule(NftBatch& batch, nftnl_rule& rule, std::string description);
void add_set(NftBatch& batch, nftnl_set& set, std::string description);
// Removes every element of the set.
void flush_set(NftBatch& batch, std::string_view table, std::string_view set);
// NEWSETELEM (add/refresh), DELSETELEM or DESTROYSETELEM (delete, absent is fine) with the
// elements held by `set`; `count` sizes the message buffer.
enum class ElementOperation { add, remove, remove_if_present };
void put_elements(NftBatch& batch, ElementOperation operation, nftnl_set& set, size_t count,
                  std::string description);

}  // namespace egress::nft
