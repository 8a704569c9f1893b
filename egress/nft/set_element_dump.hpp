#pragma once

#include <chrono>
#include <string_view>
#include <vector>

#include "common/ip_address.hpp"
#include "nft/netlink_socket.hpp"
#include "nft/sequence_counter.hpp"

namespace egress::nft {

// An element of an address set as the kernel lists it, with the time it has left (zero for an
// element without a timeout).
struct ListedAddress {
    common::IpAddress address;
    std::chrono::milliseconds expires_in{0};
};

// Every element of an address set of table inet opensandbox (ipv4_addr or ipv6_addr keys), read
// with one NFT_MSG_GETSETELEM dump on a blocking socket. Throws NftError when the kernel refuses or
// does not finish the dump within `timeout`.
std::vector<ListedAddress> list_address_set(NetlinkSocket& socket, SequenceCounter& sequence,
                                            std::string_view set_name,
                                            std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace egress::nft
