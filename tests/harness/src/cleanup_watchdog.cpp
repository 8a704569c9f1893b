#include "harness/cleanup_watchdog.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "harness/spawn.hpp"

namespace harness {
namespace {

// $@ are the namespace names. "done" on stdin means the owner cleaned up; EOF means it died.
constexpr const char* kWatchdogScript = R"sh(
read -r verdict
[ "$verdict" = done ] && exit 0
for ns in "$@"; do
  for round in 1 2 3 4 5; do
    pids=$(ip netns pids "$ns" 2>/dev/null)
    [ -z "$pids" ] && break
    kill -9 $pids 2>/dev/null
  done
  ip netns delete "$ns" 2>/dev/null
  rm -rf "/etc/netns/$ns"
done
rmdir /etc/netns 2>/dev/null
exit 0
)sh";

}  // namespace

CleanupWatchdog::CleanupWatchdog(const std::vector<std::string>& namespaces) {
    int fds[2];
    // CLOEXEC keeps our end out of every other child, so EOF arrives exactly when we die. A socket
    // rather than a pipe so that dismiss() can use MSG_NOSIGNAL if the watchdog was killed.
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0) {
        throw std::runtime_error(std::string("socketpair: ") + std::strerror(errno));
    }
    const UniqueFd read_end(fds[0]);
    channel_.reset(fds[1]);
    std::vector<std::string> argv = {"/bin/sh", "-c", kWatchdogScript, "harness-watchdog"};
    argv.insert(argv.end(), namespaces.begin(), namespaces.end());
    SpawnOptions options;
    options.stdin_fd = read_end.get();
    options.new_session = true;
    pid_ = spawn_process(argv, options);
}

CleanupWatchdog::~CleanupWatchdog() {
    dismiss();
}

void CleanupWatchdog::dismiss() {
    if (pid_ <= 0) {
        return;
    }
    constexpr char kDone[] = "done\n";
    [[maybe_unused]] const ssize_t sent = ::send(channel_.get(), kDone, sizeof kDone - 1, MSG_NOSIGNAL);
    channel_.reset();
    wait_for_exit(pid_);
    pid_ = -1;
}

}  // namespace harness
