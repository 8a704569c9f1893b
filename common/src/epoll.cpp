#include "common/epoll.hpp"

#include <cerrno>
#include <stdexcept>
#include <string>

#include "common/system_error.hpp"

namespace common {
namespace {

const char* operation_name(int operation) {
    switch (operation) {
        case EPOLL_CTL_ADD:
            return "ADD";
        case EPOLL_CTL_MOD:
            return "MOD";
        default:
            return "DEL";
    }
}

// Milliseconds left until `deadline`, rounded up so a retried wait never returns early.
int remaining_ms(std::chrono::steady_clock::time_point deadline) {
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) {
        return 0;
    }
    return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
}

}  // namespace

Epoll::Epoll(int max_events_per_wait) : epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)) {
    if (!epoll_fd_) {
        throw_errno("epoll_create1");
    }
    if (max_events_per_wait <= 0) {
        throw std::invalid_argument("Epoll: max_events_per_wait must be positive, got " +
                                    std::to_string(max_events_per_wait));
    }
    buffer_.resize(static_cast<size_t>(max_events_per_wait));
}

void Epoll::add(int fd, uint32_t events, uint64_t tag) {
    control(EPOLL_CTL_ADD, fd, events, tag);
}

void Epoll::modify(int fd, uint32_t events, uint64_t tag) {
    control(EPOLL_CTL_MOD, fd, events, tag);
}

void Epoll::remove(int fd) {
    control(EPOLL_CTL_DEL, fd, 0, 0);
}

void Epoll::control(int operation, int fd, uint32_t events, uint64_t tag) {
    epoll_event event{};
    event.events = events;
    event.data.u64 = tag;
    if (::epoll_ctl(epoll_fd_.get(), operation, fd, &event) != 0) {
        throw_errno(std::string("epoll_ctl(") + operation_name(operation) + ", fd " + std::to_string(fd) +
                    ")");
    }
}

size_t Epoll::wait(std::vector<ReadyEvent>& ready, std::chrono::milliseconds timeout) {
    ready.clear();
    const bool forever = timeout < std::chrono::milliseconds::zero();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int timeout_ms = forever ? -1 : static_cast<int>(timeout.count());
    int count = 0;
    while ((count = ::epoll_wait(epoll_fd_.get(), buffer_.data(), static_cast<int>(buffer_.size()),
                                 timeout_ms)) < 0) {
        if (errno != EINTR) {
            throw_errno("epoll_wait");
        }
        if (!forever) {
            timeout_ms = remaining_ms(deadline);
        }
    }
    for (int i = 0; i < count; ++i) {
        // epoll_event is packed on x86-64; copy the fields out instead of binding references to them.
        const uint32_t events = buffer_[static_cast<size_t>(i)].events;
        const uint64_t tag = buffer_[static_cast<size_t>(i)].data.u64;
        ready.push_back(ReadyEvent{events, tag});
    }
    return ready.size();
}

}  // namespace common
