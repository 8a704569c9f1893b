#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/spawn.hpp"

namespace execd_test {

// The real execd binary on a free loopback port, stopped with SIGTERM when destroyed.
class ExecdProcess {
  public:
    // `env` entries ("NAME=value") are added to the test's own environment. A non-empty `wrapper`
    // (e.g. unshare) runs execd as its child; signals then go to that child.
    explicit ExecdProcess(std::vector<std::string> args = {}, std::vector<std::string> env = {},
                          std::vector<std::string> wrapper = {});
    ~ExecdProcess();
    ExecdProcess(const ExecdProcess&) = delete;
    ExecdProcess& operator=(const ExecdProcess&) = delete;

    uint16_t port() const { return port_; }
    pid_t pid() const { return signal_pid_; }
    const std::string& log_path() const { return log_path_; }

    // Sends SIGTERM and returns the exit status (shell style), or nullopt if it did not exit in time.
    std::optional<int> terminate(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  private:
    void wait_until_serving();

    pid_t pid_ = -1;
    pid_t signal_pid_ = -1;
    uint16_t port_ = 0;
    std::string log_path_;
};

// Starts `argv` (harness::spawn_process) with its stdout and stderr appended to `log_path`.
pid_t spawn_logged(const std::vector<std::string>& argv, const std::string& log_path,
                   harness::SpawnOptions options = {});

// A free TCP port on 127.0.0.1 (bound then released).
uint16_t free_loopback_port();

// Open descriptors of a process.
std::size_t count_open_fds(pid_t pid);

// Children of `pid` that are zombies.
std::vector<pid_t> zombie_children(pid_t pid);

// Children of `pid`, zombies included.
std::vector<pid_t> children_of(pid_t pid);

// Processes (zombies included) whose process group is `pgid`.
std::vector<pid_t> processes_in_group(pid_t pgid);

// SIGTERM to `signal_target`, then waits up to `grace` for the child `pid` to exit; kills (SIGKILL)
// and reaps it if it did not. The wait status when it exited within the grace period.
std::optional<int> terminate_child(pid_t pid, pid_t signal_target, std::chrono::milliseconds grace);

// Polls `condition` every 10 ms until it holds or `timeout` passes; returns its last value.
template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace execd_test

#include <thread>

template <typename Condition>
bool execd_test::eventually(Condition condition, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return condition();
}
