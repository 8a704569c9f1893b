#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace harness {

// Where the child's standard streams go; -1 means /dev/null.
struct SpawnOptions {
    int stdin_fd = -1;
    int stdout_fd = -1;
    int stderr_fd = -1;
    bool new_session = false;        // setsid(): survives signals sent to our process group
    bool new_process_group = false;  // setpgid(0, 0): killpg() reaches its children too
    int netns_fd = -1;               // setns() into this network namespace before exec
    bool dies_with_parent = false;   // SIGKILL when the spawning thread exits
    std::string working_dir;         // chdir() before exec, unless empty
    // NAME=value entries added to our environment; each replaces an entry of the same name.
    std::vector<std::string> extra_env;
};

// fork + execve with every other fd closed. argv[0] is looked up in PATH. Returns only once the
// child has exec'd (so with netns_fd it is already inside the namespace); throws if it could not.
pid_t spawn_process(const std::vector<std::string>& argv, const SpawnOptions& options);

// Shell-style status: the exit code, or 128 + signal number.
int decode_wait_status(int status);

// Blocks until `pid` exits; returns its shell-style status.
int wait_for_exit(pid_t pid);

// Returns the shell-style status, or nullopt if `pid` is still running after `timeout`.
std::optional<int> wait_for_exit(pid_t pid, std::chrono::milliseconds timeout);

}  // namespace harness
