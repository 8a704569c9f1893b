#include "dns/ares_channel.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace egress::dns {
namespace {

void initialise_ares_library_once() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (const int status = ares_library_init(ARES_LIB_INIT_ALL); status != ARES_SUCCESS) {
            throw std::runtime_error(std::string("c-ares initialisation failed: ") + ares_strerror(status));
        }
    });
}

ares_addr_port_node server_node(const common::IpEndpoint& server) {
    ares_addr_port_node node{};
    node.family = server.address().is_v4() ? AF_INET : AF_INET6;
    if (server.address().is_v4()) {
        std::memcpy(&node.addr.addr4, server.address().bytes().data(), 4);
    } else {
        std::memcpy(&node.addr.addr6, server.address().bytes().data(), 16);
    }
    node.udp_port = server.port();
    node.tcp_port = server.port();
    return node;
}

// One UDP socket carries every query to an upstream: a burst of answers must not overflow it.
void enlarge_receive_buffer(int fd) {
    constexpr int kBytes = 4 * 1024 * 1024;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &kBytes, sizeof kBytes) != 0) {
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kBytes, sizeof kBytes);
    }
}

// UDP: the socket stays open between queries (one socket per upstream, not one per query); c-ares
// takes UDP answers up to its 4096-byte limit (without ARES_FLAG_EDNS it retries every answer over
// 512 bytes over TCP) and never retries a truncated one on a TCP connection of its own, which
// STAYOPEN would keep open for good. TCP: no STAYOPEN, so c-ares closes the connection once no
// query is pending on it; dnsmasq, for one, serves a held connection and nothing else until it closes.
int transport_flags(bool use_tcp) {
    return use_tcp ? ARES_FLAG_USEVC : (ARES_FLAG_STAYOPEN | ARES_FLAG_IGNTC | ARES_FLAG_EDNS);
}

constexpr int kLargestUdpAnswer = 4096;  // c-ares 1.18 reads UDP datagrams into a buffer this size

}  // namespace

AresChannel::AresChannel(common::EventLoop& loop, const Options& options)
    : loop_(loop),
      server_(options.server),
      socket_mark_(options.socket_mark),
      burst_hooks_(options.burst_hooks) {
    initialise_ares_library_once();
    ares_options settings{};
    // c-ares must not judge answers: the forwarder fails over on SERVFAIL/REFUSED itself.
    settings.flags = ARES_FLAG_NOCHECKRESP | transport_flags(options.use_tcp);
    settings.timeout = static_cast<int>(options.timeout.count());
    settings.tries = 1;
    settings.sock_state_cb = &AresChannel::on_socket_state;
    settings.sock_state_cb_data = this;
    settings.ednspsz = kLargestUdpAnswer;
    const int mask =
        ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB | ARES_OPT_EDNSPSZ;
    if (const int status = ares_init_options(&channel_, &settings, mask); status != ARES_SUCCESS) {
        throw std::runtime_error(std::string("c-ares channel setup failed: ") + ares_strerror(status));
    }
    if (options.udp_batching != nullptr) {
        options.udp_batching->install(channel_);
    }
    ares_addr_port_node node = server_node(server_);
    if (const int status = ares_set_servers_ports(channel_, &node); status != ARES_SUCCESS) {
        ares_destroy(channel_);
        throw std::runtime_error("c-ares rejected upstream " + server_.to_string() + ": " +
                                 ares_strerror(status));
    }
    // The configure callback runs before connect(); the create callback only after it, too late
    // for a TCP SYN, which would then leave unmarked and be redirected back to the proxy.
    ares_set_socket_configure_callback(channel_, &AresChannel::on_socket_created, this);
}

AresChannel::~AresChannel() {
    if (timer_) {
        loop_.cancel_timer(*timer_);
    }
    ares_destroy(channel_);  // pending callbacks run with ARES_EDESTRUCTION
}

void AresChannel::send(std::span<const uint8_t> query, ares_callback callback, void* argument) {
    ares_send(channel_, query.data(), static_cast<int>(query.size()), callback, argument);
    arm_timeout_if_idle();
}

void AresChannel::on_socket_state(void* self, ares_socket_t fd, int readable, int writable) {
    auto* channel = static_cast<AresChannel*>(self);
    if (!readable && !writable) {
        channel->loop_.unwatch(fd);
        return;
    }
    const uint32_t events = (readable ? EPOLLIN : 0u) | (writable ? EPOLLOUT : 0u);
    channel->loop_.watch(fd, events, [channel, fd](uint32_t ready) {
        const bool can_read = (ready & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0;
        const bool can_write = (ready & EPOLLOUT) != 0;
        channel->process(can_read ? fd : ARES_SOCKET_BAD, can_write ? fd : ARES_SOCKET_BAD);
    });
}

int AresChannel::on_socket_created(ares_socket_t fd, int type, void* self) {
    auto* channel = static_cast<AresChannel*>(self);
    if (type == SOCK_DGRAM) {
        enlarge_receive_buffer(fd);
    }
    if (!channel->socket_mark_) {
        return ARES_SUCCESS;
    }
    const uint32_t mark = *channel->socket_mark_;
    if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) != 0) {
        // An unmarked query would be redirected back to the proxy: refuse to send it.
        channel->mark_error_ = std::string("cannot set SO_MARK on upstream socket (needs CAP_NET_ADMIN): ") +
                               std::strerror(errno);
        return -1;
    }
    return ARES_SUCCESS;
}

void AresChannel::process(int read_fd, int write_fd) {
    if (burst_hooks_ != nullptr && burst_hooks_->before) {
        burst_hooks_->before();
    }
    ares_process_fd(channel_, read_fd, write_fd);  // runs the callbacks of every answer that arrived
    if (burst_hooks_ != nullptr && burst_hooks_->after) {
        burst_hooks_->after();
    }
    arm_timeout_if_idle();
}

// Arms a loop timer at c-ares' next deadline unless one is armed already. Every query on a channel
// gets the same timeout, so a later query never has an earlier deadline than the armed timer, and
// when the timer fires it re-arms for whatever is pending then. This keeps ares_timeout(), which
// walks every pending query, off the per-query path.
void AresChannel::arm_timeout_if_idle() {
    if (timer_) {
        return;
    }
    timeval remaining{};
    if (ares_timeout(channel_, nullptr, &remaining) == nullptr) {
        return;  // nothing pending
    }
    const auto delay = std::chrono::ceil<std::chrono::milliseconds>(
        std::chrono::seconds(remaining.tv_sec) + std::chrono::microseconds(remaining.tv_usec));
    timer_ = loop_.run_after(delay, [this] {
        timer_.reset();
        process(ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    });
}

}  // namespace egress::dns
