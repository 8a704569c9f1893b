#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace egress::dns {

// Reads a burst of datagrams from a UDP socket with one recvmmsg call, into buffers allocated
// once. Each buffer holds the largest datagram, so nothing is ever truncated; they are never
// initialised, so only the pages datagrams actually land in become resident.
class DatagramReceiver {
  public:
    static constexpr size_t kMaxDatagram = 65535;

    explicit DatagramReceiver(size_t batch_size);
    DatagramReceiver(const DatagramReceiver&) = delete;
    DatagramReceiver& operator=(const DatagramReceiver&) = delete;

    size_t batch_size() const { return headers_.size(); }

    // Reads up to batch_size() queued datagrams without waiting; returns how many. 0 when none is
    // queued or on an error (on a UDP socket it concerns one datagram only); errno tells which.
    size_t receive(int socket);

    // The datagrams and their senders of the last receive(), index < its result.
    std::span<const uint8_t> datagram(size_t index) const;
    const sockaddr_storage& sender(size_t index) const { return senders_[index]; }
    socklen_t sender_length(size_t index) const { return headers_[index].msg_hdr.msg_namelen; }

  private:
    std::unique_ptr<uint8_t[]> buffers_;
    std::vector<mmsghdr> headers_;
    std::vector<iovec> vectors_;
    std::vector<sockaddr_storage> senders_;
    size_t filled_ = 0;  // by the last receive()
};

}  // namespace egress::dns
