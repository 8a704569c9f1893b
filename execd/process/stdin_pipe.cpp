#include "process/stdin_pipe.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>

#include "process/exit_outcome.hpp"

namespace execd::process {

StdinPipe::StdinPipe(common::UniqueFd write_end, common::EventLoop& loop)
    : fd_(std::move(write_end)), loop_(loop) {
    ::fcntl(fd_.get(), F_SETFL, ::fcntl(fd_.get(), F_GETFL) | O_NONBLOCK);
}

StdinPipe::~StdinPipe() {
    stop_waiting();
}

StdinPipe::Queued StdinPipe::write(std::string bytes, Done done) {
    if (closed()) {
        return Queued::closed;
    }
    if (pending_bytes_ + bytes.size() > kMaxPendingBytes) {
        return Queued::full;
    }
    pending_bytes_ += bytes.size();
    queue_.push_back(Pending{std::move(bytes), 0, std::move(done)});
    pump();
    return Queued::accepted;
}

StdinPipe::Queued StdinPipe::close(Done done) {
    if (closed()) {
        return Queued::closed;
    }
    closing_ = true;
    on_closed_ = std::move(done);
    pump();
    return Queued::accepted;
}

void StdinPipe::abandon(const std::string& reason) {
    fail_all(reason);
}

void StdinPipe::pump() {
    while (!queue_.empty()) {
        Pending& front = queue_.front();
        const std::size_t left = front.bytes.size() - front.written;
        const ssize_t written = left == 0 ? 0 : ::write(fd_.get(), front.bytes.data() + front.written, left);
        if (written < 0 && errno == EINTR) {
            continue;
        }
        if (written < 0 && errno == EAGAIN) {
            wait_for_room();
            return;
        }
        if (written < 0) {
            fail_all(errno == EPIPE ? "the command closed its stdin" : "write: " + go_errno_text(errno));
            return;
        }
        front.written += static_cast<std::size_t>(written);
        pending_bytes_ -= static_cast<std::size_t>(written);
        if (front.written == front.bytes.size()) {
            Done done = std::move(front.done);
            queue_.pop_front();
            done(std::nullopt);
        }
    }
    stop_waiting();
    if (closing_) {
        close_now();
    }
}

void StdinPipe::stop_waiting() {
    if (watching_) {
        watching_ = false;
        loop_.unwatch(fd_.get());
    }
}

void StdinPipe::wait_for_room() {
    if (!watching_) {
        watching_ = true;
        std::weak_ptr<StdinPipe> weak = weak_from_this();
        loop_.watch(fd_.get(), EPOLLOUT, [weak](uint32_t) {
            if (auto self = weak.lock()) {
                self->pump();
            }
        });
    }
}

void StdinPipe::fail_all(const std::string& reason) {
    closing_ = true;
    auto failed = std::exchange(queue_, {});
    pending_bytes_ = 0;
    close_now();
    for (Pending& pending : failed) {
        pending.done(reason);
    }
}

void StdinPipe::close_now() {
    stop_waiting();
    fd_.reset();
    if (on_closed_) {
        std::exchange(on_closed_, nullptr)(std::nullopt);
    }
}

}  // namespace execd::process
