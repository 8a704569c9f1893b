#include "nft/command_runner.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "common/c_string_array.hpp"
#include "common/config.hpp"
#include "common/fd.hpp"
#include "common/system_error.hpp"

extern char** environ;

namespace egress::nft {
namespace {

constexpr size_t kMaxCapturedErrors = 64 * 1024;

// posix_spawn's attributes and file actions, released on every path.
class SpawnSetup {
  public:
    SpawnSetup() {
        posix_spawnattr_init(&attributes_);
        posix_spawn_file_actions_init(&actions_);
    }
    ~SpawnSetup() {
        posix_spawn_file_actions_destroy(&actions_);
        posix_spawnattr_destroy(&attributes_);
    }
    SpawnSetup(const SpawnSetup&) = delete;
    SpawnSetup& operator=(const SpawnSetup&) = delete;

    // The caller blocks the shutdown signals in every thread; the child must not inherit that.
    void reset_signals() {
        sigset_t none;
        sigemptyset(&none);
        sigset_t defaults;
        sigemptyset(&defaults);
        for (const int number : {SIGPIPE, SIGTERM, SIGINT, SIGHUP}) {
            sigaddset(&defaults, number);
        }
        posix_spawnattr_setsigmask(&attributes_, &none);
        posix_spawnattr_setsigdefault(&attributes_, &defaults);
        posix_spawnattr_setflags(&attributes_, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    }

    void redirect(int stderr_fd) {
        posix_spawn_file_actions_addopen(&actions_, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions_, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_adddup2(&actions_, stderr_fd, STDERR_FILENO);
    }

    const posix_spawnattr_t* attributes() const { return &attributes_; }
    const posix_spawn_file_actions_t* actions() const { return &actions_; }

  private:
    posix_spawnattr_t attributes_;
    posix_spawn_file_actions_t actions_;
};

std::string read_until_end(int fd) {
    std::string text;
    char buffer[4096];
    for (;;) {
        const ssize_t count = ::read(fd, buffer, sizeof(buffer));
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count <= 0) {
            return text;
        }
        if (text.size() < kMaxCapturedErrors) {
            text.append(buffer, static_cast<size_t>(count));
        }
    }
}

int wait_for_exit(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            common::throw_errno("waitpid");
        }
    }
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

}  // namespace

CommandOutcome ProcessRunner::run(const std::vector<std::string>& argv) {
    if (argv.empty()) {
        throw std::invalid_argument("no command to run");
    }
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
        common::throw_errno("pipe2");
    }
    common::UniqueFd read_end(pipe_fds[0]);
    common::UniqueFd write_end(pipe_fds[1]);
    SpawnSetup setup;
    setup.reset_signals();
    setup.redirect(write_end.get());
    pid_t pid = 0;
    auto arguments = common::c_string_array(argv);
    const int error = ::posix_spawnp(&pid, argv.front().c_str(), setup.actions(), setup.attributes(),
                                     arguments.data(), environ);
    if (error != 0) {
        throw std::runtime_error("cannot run " + argv.front() + ": " + std::strerror(error));
    }
    write_end.reset();
    CommandOutcome outcome;
    outcome.errors = std::string(common::trim(read_until_end(read_end.get())));
    outcome.exit_code = wait_for_exit(pid);
    return outcome;
}

}  // namespace egress::nft
