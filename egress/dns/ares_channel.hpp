#pragma once

#include <ares.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include "common/event_loop.hpp"
#include "common/ip_endpoint.hpp"
#include "dns/ares_udp_batching.hpp"

namespace egress::dns {

// Brackets each burst of c-ares work (sockets ready, a deadline passed), so the owner can batch
// what the query callbacks produce in between. Either may be empty.
struct BurstHooks {
    std::function<void()> before;
    std::function<void()> after;
};

// One c-ares channel talking to exactly one DNS server, driven by an EventLoop: c-ares tells us
// which sockets to watch (socket-state callback) and we feed readiness and timeouts back to it.
class AresChannel {
  public:
    struct Options {
        common::IpEndpoint server;
        // UDP: a truncated answer is returned as it is (the caller retries it over TCP), so the
        // channel never holds a TCP connection. TCP: the connection closes once no query is pending
        // on it, because servers may serve one connection at a time or cap how many they hold.
        bool use_tcp = false;
        std::chrono::milliseconds timeout{5000};
        // SO_MARK put on every socket before it connects (needs CAP_NET_ADMIN); none when empty.
        std::optional<uint32_t> socket_mark;
        const BurstHooks* burst_hooks = nullptr;  // must outlive the channel
        AresUdpBatching* udp_batching = nullptr;  // must outlive the channel
    };

    AresChannel(common::EventLoop& loop, const Options& options);
    ~AresChannel();
    AresChannel(const AresChannel&) = delete;
    AresChannel& operator=(const AresChannel&) = delete;

    // Sends a raw query. c-ares replaces the message ID with its own; `callback` gets the answer
    // bytes (with c-ares' ID), or a failure status. It may run before send() returns.
    void send(std::span<const uint8_t> query, ares_callback callback, void* argument);

    const common::IpEndpoint& server() const { return server_; }
    // Why the last socket could not be marked, for error messages; empty when marking works.
    const std::string& mark_error() const { return mark_error_; }

  private:
    static void on_socket_state(void* self, ares_socket_t fd, int readable, int writable);
    static int on_socket_created(ares_socket_t fd, int type, void* self);  // ares socket-configure callback
    void process(int read_fd, int write_fd);
    void arm_timeout_if_idle();

    common::EventLoop& loop_;
    common::IpEndpoint server_;
    std::optional<uint32_t> socket_mark_;
    const BurstHooks* burst_hooks_;
    ares_channel channel_ = nullptr;
    std::optional<common::EventLoop::TimerId> timer_;
    std::string mark_error_;
};

}  // namespace egress::dns
