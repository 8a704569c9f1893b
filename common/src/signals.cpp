#include "common/signals.hpp"

#include <poll.h>
#include <pthread.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <string>
#include <system_error>

#include "common/system_error.hpp"

namespace common {
namespace {

sigset_t make_signal_set(std::initializer_list<int> signals) {
    if (signals.size() == 0) {
        throw std::invalid_argument("BlockedSignals: the signal set is empty");
    }
    sigset_t set;
    sigemptyset(&set);
    for (const int signal_number : signals) {
        if (sigaddset(&set, signal_number) != 0) {
            throw std::invalid_argument("BlockedSignals: invalid signal number " +
                                        std::to_string(signal_number));
        }
    }
    return set;
}

int poll_timeout_ms(std::optional<std::chrono::steady_clock::time_point> deadline) {
    if (!deadline) {
        return -1;
    }
    const auto left = *deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) {
        return 0;
    }
    return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
}

}  // namespace

BlockedSignals BlockedSignals::for_shutdown(bool with_sighup) {
    if (with_sighup) {
        return BlockedSignals({SIGINT, SIGTERM, SIGHUP});
    }
    return BlockedSignals({SIGINT, SIGTERM});
}

BlockedSignals::BlockedSignals(std::initializer_list<int> signals) {
    const sigset_t set = make_signal_set(signals);
    // pthread_sigmask returns the error instead of setting errno.
    if (const int error = pthread_sigmask(SIG_BLOCK, &set, &previous_mask_); error != 0) {
        throw std::system_error(error, std::system_category(), "pthread_sigmask(SIG_BLOCK)");
    }
    signal_fd_.reset(::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
    if (!signal_fd_) {
        const int error = errno;
        pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
        throw std::system_error(error, std::system_category(), "signalfd");
    }
}

BlockedSignals::~BlockedSignals() {
    pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
}

std::optional<int> BlockedSignals::take_pending() {
    signalfd_siginfo info{};
    while (::read(signal_fd_.get(), &info, sizeof info) < 0) {
        if (errno == EAGAIN) {
            return std::nullopt;
        }
        if (errno != EINTR) {
            throw_errno("read(signalfd)");
        }
    }
    return static_cast<int>(info.ssi_signo);
}

std::optional<int> BlockedSignals::wait(std::optional<std::chrono::milliseconds> timeout) {
    std::optional<std::chrono::steady_clock::time_point> deadline;
    if (timeout) {
        deadline = std::chrono::steady_clock::now() + *timeout;
    }
    while (true) {
        if (auto signal_number = take_pending()) {
            return signal_number;
        }
        pollfd readable{signal_fd_.get(), POLLIN, 0};
        const int ready = ::poll(&readable, 1, poll_timeout_ms(deadline));
        if (ready < 0 && errno != EINTR) {
            throw_errno("poll(signalfd)");
        }
        if (ready == 0) {
            return take_pending();  // timed out; a signal may still have slipped in at the last moment
        }
    }
}

}  // namespace common
