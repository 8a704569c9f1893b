#include "sidecar/own_cgroup.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "sidecar/listener_keeper.hpp"

namespace egress::sidecar {
namespace {

constexpr ino_t kInitialCgroupNamespace = 0xEFFFFFFB;  // the kernel's fixed inode for it
constexpr uint64_t kRootCgroupId = 1;
constexpr uint32_t kDeepestCgroupLevel = 16;

// The path after "0::" in /proc/self/cgroup: the v2 cgroup, relative to the namespace's root.
std::optional<std::string> unified_cgroup_path(const std::filesystem::path& cgroup_list) {
    std::ifstream in(cgroup_list);
    std::string line;
    while (std::getline(in, line)) {
        if (line.starts_with("0::")) {
            return line.substr(3);
        }
    }
    return std::nullopt;
}

struct Cgroup2Mount {
    std::string root;  // the hierarchy's directory mounted there
    std::string mount_point;
};

// mountinfo: "id parent major:minor root mount-point options... - fstype source super-options".
std::optional<Cgroup2Mount> cgroup2_mount(const std::filesystem::path& mount_table) {
    std::ifstream in(mount_table);
    std::string line;
    while (std::getline(in, line)) {
        const auto separator = line.find(" - ");
        if (separator == std::string::npos || line.compare(separator + 3, 8, "cgroup2 ") != 0) {
            continue;
        }
        std::istringstream fields(line.substr(0, separator));
        std::string id, parent, device, root, mount_point;
        if (fields >> id >> parent >> device >> root >> mount_point) {
            return Cgroup2Mount{root, mount_point};
        }
    }
    return std::nullopt;
}

uint32_t depth_of(const std::string& path) {
    uint32_t depth = 0;
    std::istringstream parts(path);
    std::string part;
    while (std::getline(parts, part, '/')) {
        depth += part.empty() ? 0 : 1;
    }
    return depth;
}

std::optional<std::string> directory_of(const Cgroup2Mount& mount, const std::string& cgroup_path) {
    if (mount.root == "/") {
        return mount.mount_point + (cgroup_path == "/" ? "" : cgroup_path);
    }
    if (cgroup_path == mount.root || cgroup_path.starts_with(mount.root + "/")) {
        return mount.mount_point + cgroup_path.substr(mount.root.size());
    }
    return std::nullopt;  // mounted from a part of the hierarchy that does not hold us
}

bool in_initial_cgroup_namespace(const std::filesystem::path& namespace_link) {
    struct stat info {};
    return ::stat(namespace_link.c_str(), &info) == 0 && info.st_ino == kInitialCgroupNamespace;
}

// Every packet is checked against these in turn, so the usual depths of a container's cgroup come
// first: 4 and 3 under Kubernetes (kubepods/<qos>/<pod>/<container>), 2 under Docker and Podman.
std::vector<uint32_t> possible_levels(uint32_t visible_depth, bool exact) {
    if (exact) {
        return {visible_depth};
    }
    std::vector<uint32_t> levels;
    for (const uint32_t usual : {4u, 3u, 2u, 5u, 1u}) {
        if (usual >= visible_depth) {
            levels.push_back(usual);
        }
    }
    for (uint32_t level = std::max(visible_depth, 6u); level <= kDeepestCgroupLevel; ++level) {
        levels.push_back(level);
    }
    return levels;
}

}  // namespace

OwnCgroupFinding find_own_cgroup(const CgroupSources& sources) {
    const auto cgroup_path = unified_cgroup_path(sources.cgroup_list);
    if (!cgroup_path) {
        return {std::nullopt, "", "this process is in no cgroup v2 hierarchy"};
    }
    const auto mount = cgroup2_mount(sources.mount_table);
    if (!mount) {
        return {std::nullopt, "", "cgroup v2 is not mounted"};
    }
    const auto relative = directory_of(*mount, *cgroup_path);
    if (!relative) {
        return {std::nullopt, "", "the cgroup v2 mount does not show this process's cgroup " + *cgroup_path};
    }
    const std::string directory = (sources.filesystem_root / relative->substr(1)).string();
    struct stat info {};
    if (::stat(directory.c_str(), &info) != 0) {
        return {std::nullopt, directory, "cannot read cgroup directory " + directory};
    }
    if (info.st_ino == kRootCgroupId) {
        return {std::nullopt, directory, "egress runs in the root cgroup, which every process shares"};
    }
    const bool exact = in_initial_cgroup_namespace(sources.cgroup_namespace);
    nft::OwnCgroup own{static_cast<uint64_t>(info.st_ino), possible_levels(depth_of(*cgroup_path), exact)};
    return {own, directory, ""};
}

// Egress's own DNS listener keeper (listener_keeper.hpp) shares its cgroup by design.
bool is_listener_keeper(const std::string& pid) {
    std::ifstream command_line("/proc/" + pid + "/cmdline");
    std::string first;
    std::getline(command_line, first, '\0');
    return first == kListenerKeeperName;
}

std::string other_processes_in(const std::filesystem::path& cgroup_directory) {
    std::ifstream in(cgroup_directory / "cgroup.procs");
    const std::string self = std::to_string(::getpid());
    std::string pid, others;
    while (in >> pid) {
        if (pid != self && !is_listener_keeper(pid)) {
            others += (others.empty() ? "" : " ") + pid;
        }
    }
    return others;
}

}  // namespace egress::sidecar
