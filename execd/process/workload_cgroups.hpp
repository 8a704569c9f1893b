#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "process/cgroup_location.hpp"
#include "process/workload_cgroup.hpp"

namespace execd::process {

// Where execd puts what it runs: a sub-tree `execd.<pid>` below execd's own cgroup (found in
// /proc/self/cgroup; cgroup v2 first, else the cgroup v1 freezer hierarchy), holding one cgroup per
// command, bash session and PTY session. execd itself stays where it is: killing needs no
// controller, so its cgroup needs no subtree_control and the "no internal processes" rule does not
// apply. Without a writable hierarchy (a container whose cgroup mount is read-only or absent)
// create() gives nullptr and kills fall back to process groups. Thread-safe.
class WorkloadCgroups {
  public:
    // Finds execd's cgroup and makes the sub-tree below it.
    static std::unique_ptr<WorkloadCgroups> open();
    // Kills what is left in the sub-tree and removes it.
    ~WorkloadCgroups();
    WorkloadCgroups(const WorkloadCgroups&) = delete;
    WorkloadCgroups& operator=(const WorkloadCgroups&) = delete;

    bool enabled() const { return root_.has_value(); }
    // Why cgroups are not used (when !enabled()), for the start-up warning.
    const std::string& fallback_reason() const { return fallback_reason_; }
    // The sub-tree and its hierarchy (when enabled()).
    const std::optional<CgroupLocation>& root() const { return root_; }

    // A new cgroup `name` (unique, such as "command-<id>") in the sub-tree; nullptr when disabled or
    // it cannot be made.
    std::shared_ptr<WorkloadCgroup> create(const std::string& name) const;

    // Kills whatever is still in the sub-tree, waits up to `limit` for it to go, and removes the
    // cgroups and the sub-tree.
    void remove_all(std::chrono::milliseconds limit);

  private:
    WorkloadCgroups(std::optional<CgroupLocation> root, std::string fallback_reason);

    std::optional<CgroupLocation> root_;
    std::string fallback_reason_;
};

}  // namespace execd::process
