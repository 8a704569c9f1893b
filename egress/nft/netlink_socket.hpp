#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "nft/netlink_objects.hpp"

namespace egress::nft {

// A NETLINK_NETFILTER socket bound in the calling thread's network namespace. Acknowledgements are
// capped (no echo of the request) and carry extended-ack messages when the kernel has any.
class NetlinkSocket {
  public:
    enum class Mode { blocking, non_blocking };

    // Throws NftError when the socket cannot be opened or bound.
    explicit NetlinkSocket(Mode mode);

    int fd() const;
    uint32_t port_id() const;
    // Sends one whole batch. Throws NftError on failure.
    void send(std::span<const uint8_t> bytes);
    // One datagram into `buffer`: its length, or -errno (-EAGAIN when nothing is queued).
    ptrdiff_t receive(std::span<uint8_t> buffer);
    // Raises the kernel buffers (SO_*BUFFORCE needs CAP_NET_ADMIN; falls back to the plain option).
    void ensure_send_buffer(size_t bytes);

  private:
    MnlSocketPtr socket_;
    size_t send_buffer_ = 0;
};

}  // namespace egress::nft
