#include "harness/spawn.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string_view>
#include <thread>

#include "common/c_string_array.hpp"
#include "harness/unique_fd.hpp"

extern char** environ;

namespace harness {
namespace {

constexpr int kChildStatusFd = 3;

std::string resolve_executable(const std::string& program) {
    if (program.find('/') != std::string::npos) {
        return program;
    }
    const char* path_env = std::getenv("PATH");
    std::string_view path = path_env != nullptr ? path_env : "/usr/sbin:/usr/bin:/sbin:/bin";
    while (!path.empty()) {
        const size_t colon = path.find(':');
        const std::string dir(path.substr(0, colon));
        const std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
        if (::access(candidate.c_str(), X_OK) == 0) {
            return candidate;
        }
        path = colon == std::string_view::npos ? std::string_view{} : path.substr(colon + 1);
    }
    throw std::runtime_error("executable not found in PATH: " + program);
}

UniqueFd open_dev_null() {
    UniqueFd fd(::open("/dev/null", O_RDWR | O_CLOEXEC));
    if (!fd) {
        throw std::runtime_error(std::string("open /dev/null: ") + std::strerror(errno));
    }
    return fd;
}

std::string_view name_of(std::string_view entry) {
    return entry.substr(0, entry.find('='));
}

// Our environment with `extra` added, an entry of `extra` replacing ours of the same name.
std::vector<std::string> environment_with(const std::vector<std::string>& extra) {
    std::vector<std::string> merged;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        const std::string_view name = name_of(*entry);
        const bool replaced =
            std::any_of(extra.begin(), extra.end(), [&](const std::string& e) { return name_of(e) == name; });
        if (!replaced) {
            merged.emplace_back(*entry);
        }
    }
    merged.insert(merged.end(), extra.begin(), extra.end());
    return merged;
}

[[noreturn]] void report_and_exit(int status_fd) {
    const int error = errno;
    [[maybe_unused]] const ssize_t n = ::write(status_fd, &error, sizeof error);
    ::_exit(127);
}

// Runs in the forked child of a possibly multi-threaded parent: async-signal-safe calls only.
// Failures are reported as an errno on `status_fd`, which exec closes on success.
[[noreturn]] void exec_child(const char* path, char* const* argv, char* const* envp, const int (&stdio)[3],
                             int status_fd, const SpawnOptions& options) {
    if (options.new_session) {
        ::setsid();
    } else if (options.new_process_group) {
        ::setpgid(0, 0);
    }
    if (options.netns_fd >= 0 && ::setns(options.netns_fd, CLONE_NEWNET) < 0) {
        report_and_exit(status_fd);
    }
    if (options.dies_with_parent && ::prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) {
        report_and_exit(status_fd);
    }
    if (!options.working_dir.empty() && ::chdir(options.working_dir.c_str()) < 0) {
        report_and_exit(status_fd);
    }
    for (int target = 0; target < 3; ++target) {
        if (::dup2(stdio[target], target) < 0) {
            report_and_exit(status_fd);
        }
    }
    if (status_fd != kChildStatusFd && ::dup3(status_fd, kChildStatusFd, O_CLOEXEC) < 0) {
        report_and_exit(status_fd);
    }
    status_fd = kChildStatusFd;
    ::close_range(kChildStatusFd + 1, ~0U, 0);
    ::execve(path, argv, envp);
    report_and_exit(status_fd);
}

struct ExecStatusPipe {
    UniqueFd read_end;
    UniqueFd write_end;
};

// Both ends above the stdio range, so the child's dup2() onto 0..2 cannot clobber them.
ExecStatusPipe make_exec_status_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) {
        throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
    }
    UniqueFd read_end(fds[0]);
    UniqueFd write_end(fds[1]);
    ExecStatusPipe pipe{UniqueFd(::fcntl(read_end.get(), F_DUPFD_CLOEXEC, kChildStatusFd + 1)),
                        UniqueFd(::fcntl(write_end.get(), F_DUPFD_CLOEXEC, kChildStatusFd + 1))};
    if (!pipe.read_end || !pipe.write_end) {
        throw std::runtime_error(std::string("fcntl(F_DUPFD_CLOEXEC): ") + std::strerror(errno));
    }
    return pipe;
}

// Blocks until the child exec'd (EOF) or reported why it could not (an errno).
void await_exec(pid_t pid, ExecStatusPipe& pipe, const std::string& path) {
    pipe.write_end.reset();
    int error = 0;
    ssize_t n = 0;
    do {
        n = ::read(pipe.read_end.get(), &error, sizeof error);
    } while (n < 0 && errno == EINTR);
    if (n == sizeof error) {
        wait_for_exit(pid);
        throw std::runtime_error("cannot start " + path + ": " + std::strerror(error));
    }
}

}  // namespace

pid_t spawn_process(const std::vector<std::string>& argv, const SpawnOptions& options) {
    if (argv.empty()) {
        throw std::invalid_argument("spawn_process: empty argv");
    }
    const std::string path = resolve_executable(argv[0]);
    const std::vector<char*> c_argv = common::c_string_array(argv);
    const std::vector<std::string> env = environment_with(options.extra_env);
    const std::vector<char*> c_env = common::c_string_array(env);
    const UniqueFd dev_null = open_dev_null();
    const auto pick = [&](int fd) { return fd >= 0 ? fd : dev_null.get(); };
    const int stdio[3] = {pick(options.stdin_fd), pick(options.stdout_fd), pick(options.stderr_fd)};

    ExecStatusPipe status = make_exec_status_pipe();

    const pid_t pid = ::fork();
    if (pid < 0) {
        throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    }
    if (pid == 0) {
        exec_child(path.c_str(), c_argv.data(), c_env.data(), stdio, status.write_end.get(), options);
    }
    await_exec(pid, status, path);
    return pid;
}

int decode_wait_status(int status) {
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    if (WIFSIGNALED(status)) {
        return 128 + WTERMSIG(status);
    }
    return -1;
}

int wait_for_exit(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            return -1;
        }
    }
    return decode_wait_status(status);
}

std::optional<int> wait_for_exit(pid_t pid, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        int status = 0;
        const pid_t result = ::waitpid(pid, &status, WNOHANG);
        if (result == pid) {
            return decode_wait_status(status);
        }
        if (result < 0 && errno != EINTR) {
            return -1;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return std::nullopt;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

}  // namespace harness
