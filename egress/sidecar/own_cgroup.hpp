#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "nft/ruleset_config.hpp"

namespace egress::sidecar {

// Where the kernel describes this process's cgroup; tests point these at files of their own.
struct CgroupSources {
    std::filesystem::path cgroup_list = "/proc/self/cgroup";
    std::filesystem::path mount_table = "/proc/self/mountinfo";
    std::filesystem::path cgroup_namespace = "/proc/self/ns/cgroup";
    std::filesystem::path filesystem_root = "/";  // prepended to mount points
};

struct OwnCgroupFinding {
    std::optional<nft::OwnCgroup> cgroup;
    std::string path;    // the cgroup's directory, when found
    std::string reason;  // why egress has no cgroup of its own to be told apart by, when not
};

// The v2 cgroup this process runs in, unless it is the hierarchy's root (which every process
// shares) or cgroup v2 is not mounted. Its depth is known outside a cgroup namespace; inside one
// (a container's), every depth from the visible one up to a bound is listed, which is exact
// because cgroup ids are never reused.
OwnCgroupFinding find_own_cgroup(const CgroupSources& sources = {});

// Other processes in the same cgroup (read from its cgroup.procs), which would share egress's
// exemption: empty when egress is alone, as in a container of its own.
std::string other_processes_in(const std::filesystem::path& cgroup_directory);

}  // namespace egress::sidecar
