#include "dns/udp_send_batch.hpp"

#include <cstring>

namespace egress::dns {

UdpSendBatch::UdpSendBatch(size_t capacity) : entries_(capacity), headers_(capacity), vectors_(capacity) {}

void UdpSendBatch::send(int socket, const sockaddr_storage* peer, socklen_t peer_length,
                        std::span<const uint8_t> message) {
    if (held() && message.size() <= kMaxQueuedSize) {
        queue(socket, peer, peer_length, message);
        return;
    }
    if (peer == nullptr) {
        ::send(socket, message.data(), message.size(), MSG_DONTWAIT);
        return;
    }
    sendto(socket, message.data(), message.size(), MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(peer),
           peer_length);
}

void UdpSendBatch::discard(int socket) {
    for (size_t i = 0; i < count_; ++i) {
        if (entries_[i].socket == socket) {
            entries_[i].socket = kDiscarded;
        }
    }
}

void UdpSendBatch::release() {
    if (--holders_ == 0) {
        flush();
    }
}

void UdpSendBatch::queue(int socket, const sockaddr_storage* peer, socklen_t peer_length,
                         std::span<const uint8_t> message) {
    if (count_ == entries_.size()) {
        flush();
    }
    Entry& entry = entries_[count_];
    entry.socket = socket;
    std::memcpy(entry.bytes.data(), message.data(), message.size());
    vectors_[count_] = iovec{entry.bytes.data(), message.size()};
    msghdr& header = headers_[count_].msg_hdr;
    header = msghdr{};
    if (peer != nullptr) {
        std::memcpy(&entry.peer, peer, peer_length);
        header.msg_name = &entry.peer;
        header.msg_namelen = peer_length;
    }
    header.msg_iov = &vectors_[count_];
    header.msg_iovlen = 1;
    ++count_;
}

void UdpSendBatch::flush() {
    size_t first = 0;
    while (first < count_) {
        size_t end = first + 1;
        while (end < count_ && entries_[end].socket == entries_[first].socket) {
            ++end;
        }
        if (entries_[first].socket != kDiscarded) {
            send_run(first, end);
        }
        first = end;
    }
    count_ = 0;
}

// Sends entries [first, end), all for one socket. sendmmsg stops at the first datagram the socket
// refuses; that one is skipped and the rest sent.
void UdpSendBatch::send_run(size_t first, size_t end) {
    const int socket = entries_[first].socket;
    size_t next = first;
    while (next < end) {
        const int sent = sendmmsg(socket, &headers_[next], static_cast<unsigned>(end - next), MSG_DONTWAIT);
        next += sent > 0 ? static_cast<size_t>(sent) : 1;
    }
}

}  // namespace egress::dns
