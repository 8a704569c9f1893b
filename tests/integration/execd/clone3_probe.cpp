// Calls clone3 directly (no libc fallback) and reports what happened:
//   prints "clone3: ok" and exits 0 when a child was created,
//   prints "clone3: ENOSYS" and exits 2 when the call failed with ENOSYS,
//   prints "clone3: error <errno text>" and exits 1 on any other failure.
#include <linux/sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

#ifndef SYS_clone3
#define SYS_clone3 435  // x86-64 and aarch64
#endif

int main() {
    clone_args args{};
    args.exit_signal = SIGCHLD;
    const long pid = ::syscall(SYS_clone3, &args, sizeof args);
    if (pid == 0) {
        ::_exit(0);
    }
    if (pid < 0) {
        const int error = errno;
        if (error == ENOSYS) {
            std::puts("clone3: ENOSYS");
            return 2;
        }
        std::printf("clone3: error %s\n", std::strerror(error));
        return 1;
    }
    int status = 0;
    ::waitpid(static_cast<pid_t>(pid), &status, 0);
    std::puts("clone3: ok");
    return 0;
}
