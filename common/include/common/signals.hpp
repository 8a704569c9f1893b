#pragma once

#include <signal.h>

#include <chrono>
#include <initializer_list>
#include <optional>

#include "common/fd.hpp"

namespace common {

// Blocks a set of signals in the calling thread and delivers them through a signalfd instead of handlers.
//
// Construct it in main() before any thread starts: threads inherit the signal mask, so a process-directed
// signal (kill, Ctrl-C, the container runtime's SIGTERM) then stays pending until it is read here rather
// than killing the process. Either watch fd() in an epoll loop (EPOLLIN, then take_pending()) or block in
// wait(). The destructor restores the previous mask of the constructing thread, so destroy it on that
// thread. Not copyable or movable.
class BlockedSignals {
  public:
    // SIGINT and SIGTERM, plus SIGHUP when `with_sighup` (for reload-on-HUP daemons).
    static BlockedSignals for_shutdown(bool with_sighup = false);

    explicit BlockedSignals(std::initializer_list<int> signals);
    ~BlockedSignals();
    BlockedSignals(const BlockedSignals&) = delete;
    BlockedSignals& operator=(const BlockedSignals&) = delete;

    // Non-blocking, close-on-exec signalfd; readable while one of the signals is pending.
    int fd() const noexcept { return signal_fd_.get(); }

    // Consumes one pending signal without blocking; nullopt when none is pending.
    std::optional<int> take_pending();

    // Blocks until one of the signals arrives (returning its number) or `timeout` passes (nullopt).
    std::optional<int> wait(std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  private:
    sigset_t previous_mask_{};
    UniqueFd signal_fd_;
};

}  // namespace common
