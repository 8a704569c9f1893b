#pragma once

#include <cstdint>

#include "common/fd.hpp"

namespace common {

// A non-blocking eventfd used to wake an epoll loop from another thread: any thread calls notify(), the
// loop watches fd() for EPOLLIN and calls drain() when it becomes readable.
class EventFd {
  public:
    EventFd();

    // Makes fd() readable. Safe to call from any thread, any number of times.
    void notify();

    // Resets the counter; returns how many notifications arrived since the last drain (0 if none).
    uint64_t drain();

    int fd() const noexcept { return fd_.get(); }

  private:
    UniqueFd fd_;
};

}  // namespace common
