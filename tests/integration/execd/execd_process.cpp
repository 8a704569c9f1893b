#include "execd_process.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "harness/unique_fd.hpp"
#include "http_test_client.hpp"

namespace execd_test {

uint16_t free_loopback_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    ::close(fd);
    return ntohs(address.sin_port);
}

pid_t spawn_logged(const std::vector<std::string>& argv, const std::string& log_path,
                   harness::SpawnOptions options) {
    const harness::UniqueFd log(::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (!log) {
        throw std::runtime_error("cannot open " + log_path + ": " + std::strerror(errno));
    }
    options.stdout_fd = log.get();
    options.stderr_fd = log.get();
    return harness::spawn_process(argv, options);
}

ExecdProcess::ExecdProcess(std::vector<std::string> args, std::vector<std::string> env,
                           std::vector<std::string> wrapper) {
    port_ = free_loopback_port();
    log_path_ = std::filesystem::temp_directory_path() / ("execd-test-" + std::to_string(port_) + ".log");
    std::filesystem::remove(log_path_);
    std::vector<std::string> argv = std::move(wrapper);
    const bool wrapped = !argv.empty();
    for (std::string arg : {std::string(EXECD_BINARY), std::string("--listen-address"),
                            std::string("127.0.0.1"), std::string("--port"), std::to_string(port_)}) {
        argv.push_back(std::move(arg));
    }
    argv.insert(argv.end(), args.begin(), args.end());
    harness::SpawnOptions options;
    options.extra_env = std::move(env);
    pid_ = spawn_logged(argv, log_path_, std::move(options));
    wait_until_serving();
    signal_pid_ = pid_;
    if (wrapped) {
        std::ifstream children("/proc/" + std::to_string(pid_) + "/task/" + std::to_string(pid_) +
                               "/children");
        children >> signal_pid_;
        if (signal_pid_ <= 0) {  // 0 would signal our own process group
            throw std::runtime_error("cannot find execd under its wrapper");
        }
    }
}

// Waits for execd to serve or to exit. A loaded machine (sanitizers, parallel suites) may take many
// seconds to start it, so the limit only catches a hang; a failed start ends the wait at once.
void ExecdProcess::wait_until_serving() {
    int status = 0;
    bool exited = false;
    const bool up = eventually(
        [&] {
            try {
                HttpConnection connection(port_);
                return true;
            } catch (const std::exception&) {
                exited = ::waitpid(pid_, &status, WNOHANG) == pid_;
                return exited;
            }
        },
        std::chrono::seconds(60));
    if (up && !exited) {
        return;
    }
    if (!exited) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
    throw std::runtime_error("execd did not start (" + std::string(exited ? "it exited" : "timed out") +
                             "); see " + log_path_);
}

std::optional<int> terminate_child(pid_t pid, pid_t signal_target, std::chrono::milliseconds grace) {
    ::kill(signal_target, SIGTERM);
    int status = 0;
    if (eventually([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, grace)) {
        return status;
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return std::nullopt;
}

std::optional<int> ExecdProcess::terminate(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) {
        return std::nullopt;
    }
    const auto status = terminate_child(pid_, signal_pid_, timeout);
    pid_ = -1;
    if (!status) {
        return std::nullopt;
    }
    return WIFEXITED(*status) ? WEXITSTATUS(*status) : 128 + WTERMSIG(*status);
}

ExecdProcess::~ExecdProcess() {
    const bool running = pid_ > 0;
    const std::optional<int> status = terminate();
    if (running && status != 0) {
        // A sanitizer report or a failed shutdown ends up here.
        std::ifstream log(log_path_);
        const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
        ADD_FAILURE() << "execd did not exit cleanly (status " << status.value_or(-1) << "):\n" << text;
    }
    std::filesystem::remove(log_path_);
}

std::size_t count_open_fds(pid_t pid) {
    std::size_t count = 0;
    for ([[maybe_unused]] const auto& entry :
         std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
        ++count;
    }
    return count;
}

namespace {

struct ProcStat {
    pid_t pid = 0;
    char state = '?';
    pid_t ppid = 0;
    pid_t pgrp = 0;
};

std::vector<ProcStat> all_processes() {
    std::vector<ProcStat> processes;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        const std::string name = entry.path().filename();
        if (name.find_first_not_of("0123456789") != std::string::npos) {
            continue;
        }
        std::ifstream file(entry.path() / "stat");
        std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
        const std::size_t close = text.rfind(')');
        if (close == std::string::npos) {
            continue;
        }
        std::istringstream rest(text.substr(close + 2));
        ProcStat stat;
        stat.pid = std::stoi(name);
        rest >> stat.state >> stat.ppid >> stat.pgrp;
        processes.push_back(stat);
    }
    return processes;
}

template <typename Predicate>
std::vector<pid_t> pids_where(Predicate wanted) {
    std::vector<pid_t> pids;
    for (const auto& process : all_processes()) {
        if (wanted(process)) {
            pids.push_back(process.pid);
        }
    }
    return pids;
}

}  // namespace

std::vector<pid_t> zombie_children(pid_t pid) {
    return pids_where([pid](const ProcStat& process) { return process.ppid == pid && process.state == 'Z'; });
}

std::vector<pid_t> children_of(pid_t pid) {
    return pids_where([pid](const ProcStat& process) { return process.ppid == pid; });
}

std::vector<pid_t> processes_in_group(pid_t pgid) {
    return pids_where([pgid](const ProcStat& process) { return process.pgrp == pgid; });
}

}  // namespace execd_test
