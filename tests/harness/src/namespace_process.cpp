#include "harness/namespace_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "harness/netns.hpp"
#include "harness/spawn.hpp"
#include "harness/unique_fd.hpp"

namespace harness {

NamespaceProcess NamespaceProcess::start(const std::string& netns, const std::vector<std::string>& argv,
                                         const std::filesystem::path& log_file) {
    const UniqueFd log(::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (!log) {
        throw std::runtime_error("cannot open log " + log_file.string() + ": " + std::strerror(errno));
    }
    // `ip netns exec` execs the command in place (no fork), so the pid we get is the command's.
    std::vector<std::string> full_argv = {"ip", "netns", "exec", netns};
    full_argv.insert(full_argv.end(), argv.begin(), argv.end());
    // Entering the namespace before exec means the process is in it (and found by teardown's
    // namespace_pids) as soon as start() returns, not only once `ip` gets round to setns().
    const UniqueFd netns_fd = open_namespace(netns);
    SpawnOptions options;
    options.stdout_fd = log.get();
    options.stderr_fd = log.get();
    options.new_process_group = true;
    options.netns_fd = netns_fd.get();
    return NamespaceProcess(spawn_process(full_argv, options), log_file);
}

NamespaceProcess::NamespaceProcess(pid_t pid, std::filesystem::path log_file)
    : pid_(pid), log_file_(std::move(log_file)) {}

NamespaceProcess::NamespaceProcess(NamespaceProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      exit_status_(other.exit_status_),
      log_file_(std::move(other.log_file_)) {}

NamespaceProcess& NamespaceProcess::operator=(NamespaceProcess&& other) noexcept {
    if (this != &other) {
        if (pid_ > 0) {
            kill();
        }
        pid_ = std::exchange(other.pid_, -1);
        exit_status_ = other.exit_status_;
        log_file_ = std::move(other.log_file_);
    }
    return *this;
}

NamespaceProcess::~NamespaceProcess() {
    if (pid_ > 0) {
        kill();
    }
}

std::string NamespaceProcess::read_log() const {
    std::ifstream in(log_file_);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void NamespaceProcess::reap_if_exited() {
    if (exit_status_ || pid_ <= 0) {
        return;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exit_status_ = decode_wait_status(status);
    }
}

bool NamespaceProcess::running() {
    reap_if_exited();
    return pid_ > 0 && !exit_status_;
}

void NamespaceProcess::signal(int signal_number) const {
    if (pid_ > 0 && !exit_status_) {
        ::kill(pid_, signal_number);
    }
}

std::optional<int> NamespaceProcess::wait(std::chrono::milliseconds timeout) {
    if (!exit_status_ && pid_ > 0) {
        exit_status_ = wait_for_exit(pid_, timeout);
    }
    return exit_status_;
}

int NamespaceProcess::kill() {
    if (!exit_status_ && pid_ > 0) {
        ::killpg(pid_, SIGKILL);
        ::kill(pid_, SIGKILL);  // in case it left its process group
        exit_status_ = wait_for_exit(pid_);
    }
    return exit_status_.value_or(-1);
}

}  // namespace harness
