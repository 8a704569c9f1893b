#include "harness/netns.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <system_error>

#include "harness/command.hpp"
#include "harness/resolv_conf.hpp"

namespace harness {
namespace {

constexpr const char* kNetnsRunDir = "/run/netns";

std::optional<pid_t> parse_pid(const std::string& text) {
    pid_t pid = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), pid);
    if (ec != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return pid;
}

bool same_inode(const struct stat& a, const struct stat& b) {
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

void kill_all(const std::string& name) {
    // Repeat: a dying shell loop may have forked once more between the scan and the kill.
    for (int round = 0; round < 5; ++round) {
        const std::vector<pid_t> pids = namespace_pids(name);
        if (pids.empty()) {
            return;
        }
        for (const pid_t pid : pids) {
            ::kill(pid, SIGKILL);
        }
    }
}

}  // namespace

std::filesystem::path namespace_path(const std::string& name) {
    return std::filesystem::path(kNetnsRunDir) / name;
}

bool namespace_exists(const std::string& name) {
    if (name.empty() || name.find('/') != std::string::npos) {
        return false;
    }
    std::error_code ec;
    return std::filesystem::exists(namespace_path(name), ec);
}

std::vector<std::string> list_namespaces() {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(kNetnsRunDir, ec)) {
        names.push_back(entry.path().filename().string());
    }
    return names;
}

std::vector<pid_t> namespace_pids(const std::string& name) {
    struct stat target {};
    if (::stat(namespace_path(name).c_str(), &target) < 0) {
        return {};
    }
    std::vector<pid_t> pids;
    const pid_t self = ::getpid();
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        const auto pid = parse_pid(entry.path().filename().string());
        struct stat ns {};
        if (!pid || *pid == self || ::stat((entry.path() / "ns/net").c_str(), &ns) < 0) {
            continue;
        }
        if (same_inode(ns, target)) {
            pids.push_back(*pid);
        }
    }
    return pids;
}

UniqueFd open_namespace(const std::string& name) {
    UniqueFd fd(::open(namespace_path(name).c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        throw std::runtime_error("cannot open network namespace " + name + ": " + std::strerror(errno));
    }
    return fd;
}

void create_namespace(const std::string& name) {
    run_checked({"ip", "netns", "add", name});
}

void destroy_namespace(const std::string& name) {
    try {
        kill_all(name);
        if (namespace_exists(name)) {
            run_command({"ip", "netns", "delete", name});
        }
    } catch (const std::exception&) {
        // Best effort: the watchdog and the stale sweep retry later.
    }
    remove_namespace_etc(name);
}

}  // namespace harness
