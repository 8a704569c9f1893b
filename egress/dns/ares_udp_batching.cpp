#include "dns/ares_udp_batching.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "dns/ares_form_error.hpp"

namespace egress::dns {

AresUdpBatching::AresUdpBatching(size_t batch_size) : batch_size_(batch_size), sends_(batch_size) {}

void AresUdpBatching::install(ares_channel channel) {
    static const ares_socket_functions functions{&open_socket, &close_socket, &connect_socket, &receive,
                                                 &send};
    ares_set_socket_functions(channel, &functions, this);
}

ares_socket_t AresUdpBatching::open_socket(int domain, int type, int protocol, void* self) {
    const int socket_fd = ::socket(domain, type, protocol);
    if (socket_fd < 0) {
        return ARES_SOCKET_BAD;
    }
    if ((type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) == SOCK_DGRAM) {
        auto& batching = *static_cast<AresUdpBatching*>(self);
        batching.udp_sockets_[socket_fd] = std::make_unique<ReadAhead>(batching.batch_size_);
    }
    return socket_fd;
}

int AresUdpBatching::close_socket(ares_socket_t socket, void* self) {
    auto& batching = *static_cast<AresUdpBatching*>(self);
    batching.sends_.discard(socket);  // the number may be reused by the next socket
    batching.udp_sockets_.erase(socket);
    return ::close(socket);
}

int AresUdpBatching::connect_socket(ares_socket_t socket, const sockaddr* address, ares_socklen_t length,
                                    void* /*self*/) {
    return ::connect(socket, address, length);
}

ares_ssize_t AresUdpBatching::receive(ares_socket_t socket, void* buffer, size_t length, int flags,
                                      sockaddr* from, ares_socklen_t* from_length, void* self) {
    auto& batching = *static_cast<AresUdpBatching*>(self);
    const auto found = batching.udp_sockets_.find(socket);
    if (found == batching.udp_sockets_.end()) {
        return ::recvfrom(socket, buffer, length, flags, from, from_length);
    }
    const ares_ssize_t read = next_datagram(socket, *found->second, buffer, length, from, from_length);
    if (read > 0) {
        conceal_form_error(std::span(static_cast<uint8_t*>(buffer), static_cast<size_t>(read)));
    }
    return read;
}

// Like recvfrom: a datagram longer than `length` is cut short; -1 with errno (EAGAIN once the
// socket is drained, or the error a connected socket reports, such as ECONNREFUSED).
ares_ssize_t AresUdpBatching::next_datagram(int socket, ReadAhead& ahead, void* buffer, size_t length,
                                            sockaddr* from, ares_socklen_t* from_length) {
    if (ahead.next == ahead.count) {
        ahead.next = 0;
        ahead.count = ahead.receiver.receive(socket);
        if (ahead.count == 0) {
            return -1;
        }
    }
    const auto datagram = ahead.receiver.datagram(ahead.next);
    const size_t copied = std::min(datagram.size(), length);
    std::memcpy(buffer, datagram.data(), copied);
    if (from != nullptr && from_length != nullptr) {
        const socklen_t sender_length = ahead.receiver.sender_length(ahead.next);
        std::memcpy(from, &ahead.receiver.sender(ahead.next), std::min(*from_length, sender_length));
        *from_length = sender_length;
    }
    ++ahead.next;
    return static_cast<ares_ssize_t>(copied);
}

ares_ssize_t AresUdpBatching::send(ares_socket_t socket, const iovec* vectors, int count, void* self) {
    auto& batching = *static_cast<AresUdpBatching*>(self);
    const bool queueable = count == 1 && batching.sends_.held() &&
                           vectors[0].iov_len <= UdpSendBatch::kMaxQueuedSize &&
                           batching.udp_sockets_.contains(socket);
    if (!queueable) {
        return ::writev(socket, vectors, count);
    }
    batching.sends_.send(socket, nullptr, 0,
                         std::span(static_cast<const uint8_t*>(vectors[0].iov_base), vectors[0].iov_len));
    return static_cast<ares_ssize_t>(vectors[0].iov_len);
}

}  // namespace egress::dns
