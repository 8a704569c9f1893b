#pragma once

#include "nft/element_timeout.hpp"
#include "nft/netlink_socket.hpp"
#include "nft/sequence_counter.hpp"

namespace egress::nft {

// Whether this kernel restarts the countdown of an element that is added again (Linux 6.11 and
// later) or keeps its old expiry: adds 192.0.2.1 (TEST-NET-1) to dyn_seen_v4, which opens nothing,
// with a one-second timeout, adds it again with an hour, lists it and deletes it. Needs the dns+nft
// ruleset installed; throws NftError when the kernel refuses.
TimeoutRenewal probe_timeout_renewal(NetlinkSocket& socket, SequenceCounter& sequence);

}  // namespace egress::nft
