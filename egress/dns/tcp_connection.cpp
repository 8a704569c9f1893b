#include "dns/tcp_connection.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>

namespace egress::dns {
namespace {

constexpr size_t kLengthPrefix = 2;
constexpr size_t kReadChunk = 16 * 1024;
constexpr uint32_t kReadEvents = EPOLLIN | EPOLLRDHUP;

}  // namespace

TcpConnection::TcpConnection(common::EventLoop& loop, common::UniqueFd socket, uint64_t id,
                             std::chrono::milliseconds idle_timeout, MessageHandler on_message,
                             CloseHandler on_close)
    : loop_(loop),
      socket_(std::move(socket)),
      id_(id),
      idle_timeout_(idle_timeout),
      on_message_(std::move(on_message)),
      on_close_(std::move(on_close)) {
    loop_.watch(socket_.get(), watched_events_, [this](uint32_t events) { on_ready(events); });
    arm_idle_timer();
}

TcpConnection::~TcpConnection() {
    if (idle_timer_) {
        loop_.cancel_timer(*idle_timer_);
    }
    if (socket_) {
        loop_.unwatch(socket_.get());
    }
}

void TcpConnection::answer_abandoned() {
    --answers_owed_;
    if (peer_closed_) {
        close_when_done();
    }
}

void TcpConnection::send(std::span<const uint8_t> message) {
    --answers_owed_;
    if (closed_ || message.size() > 0xFFFF) {
        return;
    }
    output_.push_back(static_cast<uint8_t>(message.size() >> 8));
    output_.push_back(static_cast<uint8_t>(message.size() & 0xFF));
    output_.insert(output_.end(), message.begin(), message.end());
    flush();
}

void TcpConnection::on_ready(uint32_t events) {
    if (closed_) {
        return;
    }
    if (events & EPOLLOUT) {
        flush();
    }
    if (!closed_ && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) {
        read_available();
    }
}

void TcpConnection::read_available() {
    std::array<uint8_t, kReadChunk> chunk{};
    for (;;) {
        const ssize_t received = recv(socket_.get(), chunk.data(), chunk.size(), 0);
        if (received > 0) {
            input_.insert(input_.end(), chunk.begin(), chunk.begin() + received);
            continue;
        }
        if (received < 0 && errno == EINTR) {
            continue;
        }
        if (received < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        }
        peer_closed_ = true;  // EOF, or a reset we treat the same way
        break;
    }
    dispatch_complete_frames();
    if (peer_closed_ && !closed_) {
        watch_for(output_.empty() ? 0u : EPOLLOUT);
        close_when_done();
    }
}

void TcpConnection::dispatch_complete_frames() {
    size_t offset = 0;
    while (!closed_ && input_.size() - offset >= kLengthPrefix) {
        const size_t length = static_cast<size_t>(input_[offset] << 8 | input_[offset + 1]);
        if (input_.size() - offset - kLengthPrefix < length) {
            break;
        }
        arm_idle_timer();
        ++answers_owed_;
        on_message_(std::span<const uint8_t>(input_).subspan(offset + kLengthPrefix, length), id_);
        offset += kLengthPrefix + length;
    }
    input_.erase(input_.begin(), input_.begin() + static_cast<std::ptrdiff_t>(offset));
}

void TcpConnection::flush() {
    while (!output_.empty()) {
        const ssize_t sent = ::send(socket_.get(), output_.data(), output_.size(), MSG_NOSIGNAL);
        if (sent > 0) {
            output_.erase(output_.begin(), output_.begin() + sent);
            continue;
        }
        if (sent < 0 && errno == EINTR) {
            continue;
        }
        if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            watch_for((peer_closed_ ? 0u : kReadEvents) | EPOLLOUT);
            return;
        }
        close();  // the peer is gone
        return;
    }
    watch_for(peer_closed_ ? 0u : kReadEvents);
    if (peer_closed_) {
        close_when_done();
    }
}

void TcpConnection::watch_for(uint32_t events) {
    if (events != watched_events_) {
        watched_events_ = events;
        loop_.change_events(socket_.get(), events);
    }
}

void TcpConnection::arm_idle_timer() {
    if (idle_timer_) {
        loop_.cancel_timer(*idle_timer_);
    }
    idle_timer_ = loop_.run_after(idle_timeout_, [this] {
        idle_timer_.reset();
        if (answers_owed_ > 0) {
            arm_idle_timer();  // not idle: still waiting on an upstream for this client
            return;
        }
        close();
    });
}

void TcpConnection::close_when_done() {
    if (answers_owed_ == 0 && output_.empty()) {
        close();
    }
}

void TcpConnection::close() {
    if (closed_) {
        return;
    }
    closed_ = true;
    if (idle_timer_) {
        loop_.cancel_timer(*idle_timer_);
        idle_timer_.reset();
    }
    loop_.unwatch(socket_.get());
    socket_.reset();
    on_close_(id_);  // the owner must destroy this object later, outside this call stack
}

}  // namespace egress::dns
