#include "harness/require_netns.hpp"

#include <sched.h>
#include <unistd.h>

#include <filesystem>

#include "harness/command.hpp"
#include "harness/spawn.hpp"

namespace harness {
namespace {

// A forked child unshares a fresh network namespace and exits: proves kernel support and
// privilege without touching any namespace that already exists.
bool can_unshare_network() {
    const pid_t pid = ::fork();
    if (pid < 0) {
        return false;
    }
    if (pid == 0) {
        ::_exit(::unshare(CLONE_NEWNET) == 0 ? 0 : 1);
    }
    return wait_for_exit(pid) == 0;
}

std::optional<std::string> compute_reason() {
    if (::geteuid() != 0) {
        return "network-namespace tests need root";
    }
    if (!std::filesystem::exists("/proc/self/ns/net")) {
        return "kernel without network namespaces";
    }
    try {
        if (run_command({"ip", "-V"}).exit_code != 0) {
            return "`ip` (iproute2) does not run";
        }
    } catch (const std::exception&) {
        return "`ip` (iproute2) is not installed";
    }
    if (!can_unshare_network()) {
        return "cannot create a network namespace (unshare(CLONE_NEWNET) failed)";
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> netns_unavailable_reason() {
    static const std::optional<std::string> reason = compute_reason();
    return reason;
}

}  // namespace harness
