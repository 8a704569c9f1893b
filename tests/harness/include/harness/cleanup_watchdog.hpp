#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "harness/unique_fd.hpp"

namespace harness {

// A detached helper process (own session, so terminal signals do not reach it) that waits on a
// socket from us. If we die in any way, even SIGKILL, it sees EOF and destroys the namespaces:
// kills their processes, `ip netns del`s them and removes /etc/netns/<name>.
class CleanupWatchdog {
  public:
    explicit CleanupWatchdog(const std::vector<std::string>& namespaces);
    ~CleanupWatchdog();
    CleanupWatchdog(const CleanupWatchdog&) = delete;
    CleanupWatchdog& operator=(const CleanupWatchdog&) = delete;

    pid_t pid() const { return pid_; }
    // We cleaned up ourselves: tell the watchdog to exit without doing anything, and reap it.
    void dismiss();

  private:
    UniqueFd channel_;
    pid_t pid_ = -1;
};

}  // namespace harness
