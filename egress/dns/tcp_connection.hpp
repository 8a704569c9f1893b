#pragma once

#include <sys/epoll.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "common/event_loop.hpp"
#include "common/fd.hpp"

namespace egress::dns {

// One client's DNS-over-TCP connection (RFC 7766): 2-byte length framing, several queries per
// connection, answers in any order, an idle timeout. Lives on the proxy's loop thread.
class TcpConnection {
  public:
    using MessageHandler = std::function<void(std::span<const uint8_t> message, uint64_t connection_id)>;
    using CloseHandler = std::function<void(uint64_t connection_id)>;

    TcpConnection(common::EventLoop& loop, common::UniqueFd socket, uint64_t id,
                  std::chrono::milliseconds idle_timeout, MessageHandler on_message, CloseHandler on_close);
    ~TcpConnection();
    TcpConnection(const TcpConnection&) = delete;
    TcpConnection& operator=(const TcpConnection&) = delete;

    // Every message handed to MessageHandler is owed exactly one of these two calls, so an idle or
    // half-closed connection is closed only once its answers are written.
    void send(std::span<const uint8_t> message);
    void answer_abandoned();

  private:
    void on_ready(uint32_t events);
    void read_available();
    void dispatch_complete_frames();
    void flush();
    void watch_for(uint32_t events);
    void arm_idle_timer();
    void close_when_done();
    void close();

    common::EventLoop& loop_;
    common::UniqueFd socket_;
    uint64_t id_;
    std::chrono::milliseconds idle_timeout_;
    MessageHandler on_message_;
    CloseHandler on_close_;
    std::vector<uint8_t> input_;
    std::vector<uint8_t> output_;
    uint32_t watched_events_ = EPOLLIN | EPOLLRDHUP;
    size_t answers_owed_ = 0;
    bool peer_closed_ = false;
    bool closed_ = false;
    std::optional<common::EventLoop::TimerId> idle_timer_;
};

}  // namespace egress::dns
