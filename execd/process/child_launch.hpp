#pragma once

#include <sys/types.h>

#include <variant>

#include "process/user_credentials.hpp"

namespace execd::process {

// Why a command's child failed before its program started.
struct ChildFailure {
    enum Stage : int { credentials, chdir, exec } stage;
    int error;
};

// What the child is to do, prepared before it starts: it may only make async-signal-safe calls.
struct ChildPlan {
    const char* shell;
    char* const* argv;
    char* const* envp;
    const char* cwd;                     // nullptr: keep execd's
    const UserCredentials* credentials;  // nullptr: execd's own user
    int stdin_fd;                        // -1: /dev/null
    int stdout_fd;
    int stderr_fd;
    int cgroup_fd;  // cgroup.procs of the command's cgroup, joined first; -1: stay in execd's
};

struct LaunchedChild {
    pid_t pid;
    int cgroup_error;  // errno when the child could not join its cgroup (it then runs in execd's)
};

// Starts a command's child the way posix_spawn does (it shares execd's memory and execd's thread
// waits until it executed its program, so execd's page tables are never copied), but runs steps of
// its own before exec, which posix_spawn cannot: joining its cgroup first, so that nothing it runs
// escapes it, then its own process group, default signals, stdin (/dev/null unless given), stdout and
// stderr, no inherited descriptors, the user (raw system calls: glibc's wrappers would change every
// thread of execd) and the working directory.
std::variant<LaunchedChild, ChildFailure> launch_child(const ChildPlan& plan);

}  // namespace execd::process
