#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/ip_address.hpp"
#include "nft/address_provenance.hpp"
#include "nft/netlink_socket.hpp"
#include "nft/nft_batch.hpp"
#include "nft/port_grant.hpp"
#include "nft/sequence_counter.hpp"

namespace egress::nft {

// A learned element an earlier egress left in the table, with the name from its comment.
struct LeftElement {
    std::string name;
    common::IpAddress address;
    std::optional<L4Port> port;  // none: an element of dyn_allow (every port)
    std::chrono::seconds left;
};

// The learned elements of the table in the kernel that can be carried over a restart: with a
// name, and more than a couple of seconds left. None when there is no table yet.
std::vector<LeftElement> read_left_elements(NetlinkSocket& socket, SequenceCounter& sequence);

// Those the policy about to be installed still opens for their name.
std::vector<LeftElement> still_granted(std::vector<LeftElement> left, const NameGrantLookup& grant_of);

// Writes them again, with the time they had left, into the sets a new install declares.
void append_left_elements(NftBatch& batch, const std::vector<LeftElement>& left);

// What the provenance needs to revoke and renew them like any learned element.
void record_left_elements(AddressProvenance& provenance, const std::vector<LeftElement>& left);

}  // namespace egress::nft
