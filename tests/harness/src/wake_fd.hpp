#pragma once

// An eventfd that wakes a poll loop from another thread (private header).

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include "harness/unique_fd.hpp"

namespace harness {

class WakeFd {
  public:
    WakeFd() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
        if (!fd_) {
            throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
        }
    }
    int get() const { return fd_.get(); }
    void wake() const {
        const uint64_t one = 1;
        [[maybe_unused]] const ssize_t n = ::write(fd_.get(), &one, sizeof one);
    }
    void drain() const {
        uint64_t value = 0;
        [[maybe_unused]] const ssize_t n = ::read(fd_.get(), &value, sizeof value);
    }

  private:
    UniqueFd fd_;
};

}  // namespace harness
