#include "harness/namespace_names.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <filesystem>
#include <mutex>

#include "harness/netns.hpp"
#include "harness/resolv_conf.hpp"

namespace harness {
namespace {

bool process_exists(pid_t pid) {
    return ::kill(pid, 0) == 0 || errno == EPERM;
}

std::vector<std::string> etc_netns_entries() {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/etc/netns", ec)) {
        names.push_back(entry.path().filename().string());
    }
    return names;
}

bool is_stale(const std::string& name) {
    const auto owner = namespace_owner(name);
    return owner && *owner != ::getpid() && !process_exists(*owner);
}

}  // namespace

std::string make_namespace_stem() {
    // Process-wide by necessity: names must be unique across all topologies of this process.
    static std::atomic<unsigned> counter{0};
    return std::string(kNamespacePrefix) + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

std::optional<pid_t> namespace_owner(std::string_view name) {
    if (!name.starts_with(kNamespacePrefix)) {
        return std::nullopt;
    }
    name.remove_prefix(kNamespacePrefix.size());
    pid_t pid = 0;
    const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (ec != std::errc{} || end == name.data() + name.size() || *end != '-' || pid <= 0) {
        return std::nullopt;
    }
    return pid;
}

std::vector<std::string> sweep_stale_namespaces() {
    static std::mutex sweep_mutex;  // two topologies built at once would otherwise race here
    const std::lock_guard lock(sweep_mutex);
    std::vector<std::string> removed;
    for (const auto& name : list_namespaces()) {
        if (is_stale(name)) {
            destroy_namespace(name);
            removed.push_back(name);
        }
    }
    for (const auto& name : etc_netns_entries()) {
        if (is_stale(name)) {
            remove_namespace_etc(name);
        }
    }
    return removed;
}

}  // namespace harness
