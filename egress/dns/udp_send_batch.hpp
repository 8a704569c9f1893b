#pragma once

#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace egress::dns {

// Datagrams written while the proxy handles a burst of events (queries from clients, answers from
// upstreams), sent together with one sendmmsg per socket when the burst ends: replies to clients,
// and queries to upstreams. When nobody holds the batch, a datagram goes out at once. One the
// socket refuses (full buffer, unreachable peer) is dropped, as UDP would.
class UdpSendBatch {
  public:
    static constexpr size_t kMaxQueuedSize = 512;  // larger datagrams are sent at once

    // Holds datagrams back from its construction until its destruction.
    class Scope {
      public:
        explicit Scope(UdpSendBatch& batch) : batch_(batch) { batch_.hold(); }
        ~Scope() { batch_.release(); }
        Scope(const Scope&) = delete;
        Scope& operator=(const Scope&) = delete;

      private:
        UdpSendBatch& batch_;
    };

    explicit UdpSendBatch(size_t capacity);
    UdpSendBatch(const UdpSendBatch&) = delete;
    UdpSendBatch& operator=(const UdpSendBatch&) = delete;

    // `peer` is null for a connected socket.
    void send(int socket, const sockaddr_storage* peer, socklen_t peer_length,
              std::span<const uint8_t> message);
    // Forgets what is queued for `socket`, which is being closed (its number may soon be reused).
    void discard(int socket);

    // Holds may nest; the last release sends what was held.
    void hold() { ++holders_; }
    void release();
    bool held() const { return holders_ > 0; }

  private:
    static constexpr int kDiscarded = -1;

    struct Entry {
        int socket = kDiscarded;
        sockaddr_storage peer{};
        std::array<uint8_t, kMaxQueuedSize> bytes;
    };

    void queue(int socket, const sockaddr_storage* peer, socklen_t peer_length,
               std::span<const uint8_t> message);
    void flush();
    void send_run(size_t first, size_t end);

    std::vector<Entry> entries_;
    std::vector<mmsghdr> headers_;
    std::vector<iovec> vectors_;
    size_t count_ = 0;
    size_t holders_ = 0;
};

}  // namespace egress::dns
