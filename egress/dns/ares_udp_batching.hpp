#pragma once

#include <ares.h>
#include <sys/uio.h>

#include <cstddef>
#include <memory>
#include <unordered_map>

#include "dns/datagram_receiver.hpp"
#include "dns/udp_send_batch.hpp"

namespace egress::dns {

// Socket functions for c-ares that batch its UDP traffic with the upstreams, which would otherwise
// cost two system calls per forwarded query: while sends() is held, the queries c-ares writes are
// queued and leave together on release (one sendmmsg); the answers it reads come from one recvmmsg
// per burst. TCP sockets, and everything but reading and writing, are passed straight through.
// Answers read from UDP sockets have FORMERR concealed from c-ares (dns/ares_form_error.hpp).
class AresUdpBatching {
  public:
    explicit AresUdpBatching(size_t batch_size);
    AresUdpBatching(const AresUdpBatching&) = delete;
    AresUdpBatching& operator=(const AresUdpBatching&) = delete;

    // From now on `channel` opens, uses and closes its sockets through this object, which must
    // outlive the channel. Call before the channel sends anything.
    void install(ares_channel channel);

    UdpSendBatch& sends() { return sends_; }

  private:
    // Datagrams read from one UDP socket and not yet handed to c-ares.
    struct ReadAhead {
        explicit ReadAhead(size_t batch_size) : receiver(batch_size) {}
        DatagramReceiver receiver;
        size_t next = 0;
        size_t count = 0;
    };

    static ares_socket_t open_socket(int domain, int type, int protocol, void* self);
    static int close_socket(ares_socket_t socket, void* self);
    static int connect_socket(ares_socket_t socket, const sockaddr* address, ares_socklen_t length,
                              void* self);
    static ares_ssize_t receive(ares_socket_t socket, void* buffer, size_t length, int flags, sockaddr* from,
                                ares_socklen_t* from_length, void* self);
    static ares_ssize_t send(ares_socket_t socket, const iovec* vectors, int count, void* self);

    static ares_ssize_t next_datagram(int socket, ReadAhead& ahead, void* buffer, size_t length,
                                      sockaddr* from, ares_socklen_t* from_length);

    size_t batch_size_;
    UdpSendBatch sends_;
    std::unordered_map<int, std::unique_ptr<ReadAhead>> udp_sockets_;
};

}  // namespace egress::dns
