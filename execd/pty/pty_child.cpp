#include "pty/pty_child.hpp"

#include <fcntl.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <vector>

#include "common/c_string_array.hpp"
#include "process/child_environment.hpp"
#include "process/child_setup.hpp"
#include "process/exit_outcome.hpp"
#include "process/spawn_spec.hpp"

namespace execd::pty {

namespace {

struct Pipe {
    common::UniqueFd read;
    common::UniqueFd write;
};

std::optional<Pipe> make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        return std::nullopt;
    }
    return Pipe{common::UniqueFd(fds[0]), common::UniqueFd(fds[1])};
}

void set_nonblocking(int fd) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
}

// Pointers prepared before fork(): the child may only make async-signal-safe calls.
struct ChildPlan {
    const char* shell;
    char* const* argv;
    char* const* envp;  // execd's environment without its secrets
    const char* cwd;    // nullptr: keep execd's
    int report_fd;      // close-on-exec: the child writes errno here if it fails before exec
    const int* stdio;   // pipe mode: stdin, stdout, stderr to dup2; nullptr in PTY mode
    int cgroup_fd;      // cgroup.procs of the session's cgroup; -1: stay in execd's
};

[[noreturn]] void run_child(const ChildPlan& plan) {
    if (plan.cgroup_fd >= 0) {
        process::join_cgroup(plan.cgroup_fd);  // first: nothing the shell starts may escape it
    }
    process::reset_child_signals();
    if (plan.stdio != nullptr) {
        ::setpgid(0, 0);
        for (int fd = 0; fd < 3; ++fd) {
            ::dup2(plan.stdio[fd], fd);
        }
    }
    process::mark_inherited_fds_close_on_exec();
    if (plan.cwd == nullptr || ::chdir(plan.cwd) == 0) {
        ::execve(plan.shell, plan.argv, plan.envp);
    }
    const int error = errno;
    [[maybe_unused]] const ssize_t ignored = ::write(plan.report_fd, &error, sizeof error);
    ::_exit(127);
}

// The child's errno if it failed before exec; nullopt once exec closed the report pipe.
std::optional<int> child_failure(int report_fd) {
    int error = 0;
    ssize_t got = 0;
    do {
        got = ::read(report_fd, &error, sizeof error);
    } while (got < 0 && errno == EINTR);
    if (got == static_cast<ssize_t>(sizeof error)) {
        return error;
    }
    return std::nullopt;
}

}  // namespace

bool set_terminal_size(int terminal, TerminalSize size) {
    winsize window{};
    window.ws_col = size.cols;
    window.ws_row = size.rows;
    return ::ioctl(terminal, TIOCSWINSZ, &window) == 0;
}

std::variant<PtyChild, std::string> spawn_pty_child(process::ProcessSupervisor& supervisor,
                                                    const PtyLaunch& launch,
                                                    const process::WorkloadCgroup* cgroup,
                                                    std::function<void(int wait_status)> on_exit) {
    std::vector<std::string> args{launch.shell};
    if (process::is_bash(launch.shell)) {  // sh (dash, busybox) refuses these
        args.insert(args.end(), {"--norc", "--noprofile"});
    }
    if (!launch.command.empty()) {
        args.insert(args.end(), {"-c", launch.command});
    }
    const auto argv = common::c_string_array(args);
    const std::vector<std::string> environment = process::to_envp(process::child_environment());
    const auto envp = common::c_string_array(environment);
    auto report = make_pipe();
    std::optional<Pipe> in, out, err;
    if (launch.mode == PtyMode::pipe) {
        in = make_pipe();
        out = make_pipe();
        err = make_pipe();
    }
    if (!report || (launch.mode == PtyMode::pipe && (!in || !out || !err))) {
        return "pipe: " + process::go_errno_text(errno);
    }
    const int stdio[3] = {in ? in->read.get() : -1, out ? out->write.get() : -1, err ? err->write.get() : -1};
    const common::UniqueFd cgroup_fd = cgroup != nullptr ? cgroup->open_for_joining() : common::UniqueFd();
    const ChildPlan plan{launch.shell.c_str(),
                         argv.data(),
                         envp.data(),
                         launch.cwd.empty() ? nullptr : launch.cwd.c_str(),
                         report->write.get(),
                         launch.mode == PtyMode::pipe ? stdio : nullptr,
                         cgroup_fd ? cgroup_fd.get() : -1};
    PtyChild child;
    int fork_error = 0;
    child.pid = supervisor.start_adopted(
        [&]() -> pid_t {
            pid_t pid = -1;
            if (launch.mode == PtyMode::pty) {
                int master = -1;
                winsize window{};
                window.ws_col = launch.size.cols;
                window.ws_row = launch.size.rows;
                pid = ::forkpty(&master, nullptr, nullptr, &window);
                if (pid > 0) {
                    child.terminal = common::UniqueFd(master);
                }
            } else {
                pid = ::fork();
            }
            if (pid == 0) {
                run_child(plan);
            }
            fork_error = errno;
            return pid;
        },
        std::move(on_exit));
    if (child.pid < 0) {
        return (launch.mode == PtyMode::pty ? "forkpty: " : "fork/exec " + launch.shell + ": ") +
               process::go_errno_text(fork_error);
    }
    report->write.reset();
    if (in) {
        in->read.reset();
        out->write.reset();
        err->write.reset();
    }
    if (const auto error = child_failure(report->read.get())) {
        if (*error == ENOENT && !launch.cwd.empty() && ::access(launch.cwd.c_str(), F_OK) != 0) {
            return "chdir " + launch.cwd + ": " + process::go_errno_text(*error);
        }
        return "fork/exec " + launch.shell + ": " + process::go_errno_text(*error);
    }
    if (launch.mode == PtyMode::pty) {
        set_nonblocking(child.terminal.get());
    } else {
        child.stdin_pipe = std::move(in->write);
        child.stdout_pipe = std::move(out->read);
        child.stderr_pipe = std::move(err->read);
        for (const auto& fd : {&child.stdin_pipe, &child.stdout_pipe, &child.stderr_pipe}) {
            set_nonblocking(fd->get());
        }
    }
    return child;
}

}  // namespace execd::pty
