#pragma once

#include <cstddef>
#include <cstdint>

#include "nft/address_provenance.hpp"
#include "nft/netlink_socket.hpp"

namespace egress::nft {

// Cuts the connections to revoked addresses, so a flow the filter chain accepted as established
// loses access at once: their conntrack entries get names::kRevokedConnectionMark. Deleting the entries
// would not do: with loose pickup (the default) the peer's next packet, or any UDP datagram, starts
// a new entry in the reverse direction, in which the sandbox's packets are established replies; a
// marked entry stays in place until the connection ends. The socket lives in the network
// namespace of the thread that constructs this object. Not thread-safe.
class ConnectionCutter {
  public:
    // Throws NftError when the netlink socket cannot be opened.
    ConnectionCutter();

    // Marks the entries whose original destination is one of `revoked.addresses` (any protocol,
    // any port) or one of `revoked.ported` (that protocol and destination port); returns how many
    // it marked (entries marked before are left alone).
    // An entry that disappeared meanwhile is not an error. Throws NftError when the conntrack
    // table cannot be read or an entry cannot be marked.
    size_t cut(const Revocation& revoked);

  private:
    NetlinkSocket socket_;
    uint32_t sequence_ = 0;
};

}  // namespace egress::nft
