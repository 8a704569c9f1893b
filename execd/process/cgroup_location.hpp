#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace execd::process {

// The two kinds of cgroup hierarchy execd can kill a whole workload in: cgroup v2 (cgroup.kill, or
// freezing where the kernel predates it) and the cgroup v1 freezer hierarchy.
enum class CgroupVersion { v2, v1_freezer };

// The directory of this process's own cgroup in one hierarchy, as mounted in this mount namespace.
struct CgroupLocation {
    CgroupVersion version;
    std::filesystem::path directory;
};

// This process's cgroup path in the hierarchy of `version`, from the text of /proc/self/cgroup
// ("0::/a/b" for v2, "7:freezer:/a/b" for the v1 freezer); nullopt when it has none.
std::optional<std::string> cgroup_path_in(std::string_view proc_self_cgroup, CgroupVersion version);

// Where that path may be reached, from the text of /proc/self/mountinfo: for each mount of the
// hierarchy whose root contains the path, its mount point joined with the rest of the path. The
// latest mount comes first: a later mount on the same point hides the earlier ones.
std::vector<std::filesystem::path> cgroup_directories_in(std::string_view mountinfo, CgroupVersion version,
                                                         const std::string& cgroup_path);

// Reads /proc/self/cgroup and /proc/self/mountinfo: this process's cgroup directory in the
// hierarchy of `version`, if it is mounted here and the directory exists.
std::optional<CgroupLocation> find_own_cgroup(CgroupVersion version);

}  // namespace execd::process
