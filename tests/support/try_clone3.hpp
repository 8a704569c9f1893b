#pragma once

#include <linux/sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

#ifndef SYS_clone3
#define SYS_clone3 435  // x86-64 and aarch64
#endif

// Calls clone3 directly (no libc fallback) with no flags, a plain fork whose child exits at once.
// Returns 0 when a child was created and reaped, otherwise the call's errno.
inline int try_clone3() {
    clone_args args{};
    args.exit_signal = SIGCHLD;
    const long pid = ::syscall(SYS_clone3, &args, sizeof args);
    if (pid == 0) {
        ::_exit(0);
    }
    if (pid < 0) {
        return errno;
    }
    ::waitpid(static_cast<pid_t>(pid), nullptr, 0);
    return 0;
}
