#pragma once

#include <sys/epoll.h>

#include <chrono>
#include <cstdint>
#include <vector>

#include "common/fd.hpp"

namespace common {

// One ready descriptor reported by Epoll::wait.
struct ReadyEvent {
    uint32_t events = 0;  // EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, ...
    uint64_t tag = 0;     // what was registered with add()/modify()

    template <typename T>
    T* tag_as_pointer() const noexcept {
        return reinterpret_cast<T*>(static_cast<uintptr_t>(tag));
    }
};

// RAII epoll instance. Every registration carries a caller-chosen tag (a number or a pointer) that comes
// back in ReadyEvent. Failures throw std::system_error naming the operation and descriptor.
class Epoll {
  public:
    static constexpr std::chrono::milliseconds kWaitForever{-1};

    explicit Epoll(int max_events_per_wait = 64);

    void add(int fd, uint32_t events, uint64_t tag);
    void add(int fd, uint32_t events, const void* tag) { add(fd, events, pointer_tag(tag)); }
    void modify(int fd, uint32_t events, uint64_t tag);
    void modify(int fd, uint32_t events, const void* tag) { modify(fd, events, pointer_tag(tag)); }
    void remove(int fd);

    // Waits until at least one descriptor is ready or `timeout` passes (kWaitForever: no limit; 0: poll).
    // Replaces the contents of `ready` and returns how many events it holds (0 on timeout).
    // Interrupted waits (EINTR) are resumed with the remaining time.
    size_t wait(std::vector<ReadyEvent>& ready, std::chrono::milliseconds timeout = kWaitForever);

    int fd() const noexcept { return epoll_fd_.get(); }

  private:
    static uint64_t pointer_tag(const void* tag) noexcept {
        return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(tag));
    }
    void control(int operation, int fd, uint32_t events, uint64_t tag);

    UniqueFd epoll_fd_;
    std::vector<epoll_event> buffer_;
};

}  // namespace common
