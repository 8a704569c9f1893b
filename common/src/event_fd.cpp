#include "common/event_fd.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

#include "common/system_error.hpp"

namespace common {

EventFd::EventFd() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    if (!fd_) {
        throw_errno("eventfd");
    }
}

void EventFd::notify() {
    const uint64_t one = 1;
    while (::write(fd_.get(), &one, sizeof one) < 0) {
        if (errno == EAGAIN) {
            return;  // the counter is saturated, so the descriptor is already readable
        }
        if (errno != EINTR) {
            throw_errno("eventfd write");
        }
    }
}

uint64_t EventFd::drain() {
    uint64_t count = 0;
    while (::read(fd_.get(), &count, sizeof count) < 0) {
        if (errno == EAGAIN) {
            return 0;
        }
        if (errno != EINTR) {
            throw_errno("eventfd read");
        }
    }
    return count;
}

}  // namespace common
