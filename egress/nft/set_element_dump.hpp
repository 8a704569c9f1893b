#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.hpp"
#include "nft/netlink_socket.hpp"
#include "nft/port_grant.hpp"
#include "nft/sequence_counter.hpp"

namespace egress::nft {

// An element of an address set (or of an `address . protocol . port` set) as the kernel lists it,
// with the time it has left (zero for an element without a timeout) and its comment.
struct ListedElement {
    common::IpAddress address;
    std::optional<L4Port> port;
    std::chrono::milliseconds expires_in{0};
    std::string comment;
};

// Every element of a set of table inet opensandbox keyed by an address, or by an address, a
// protocol and a port, read with one NFT_MSG_GETSETELEM dump on a blocking socket. Throws NftError
// when the kernel refuses (ENOENT: no such set) or does not finish within `timeout`.
std::vector<ListedElement> list_set_elements(NetlinkSocket& socket, SequenceCounter& sequence,
                                             std::string_view set_name,
                                             std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace egress::nft
