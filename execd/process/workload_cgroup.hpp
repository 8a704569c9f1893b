#pragma once

#include <sys/types.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/fd.hpp"
#include "process/cgroup_location.hpp"

namespace execd::process {

// The cgroup of one command, bash session or PTY session. Every process it starts stays in it, its
// own process group, session and environment notwithstanding, so a kill reaches all of them.
// Thread-safe.
class WorkloadCgroup {
  public:
    // Makes the directory `parent/name`; nullptr when that fails.
    static std::shared_ptr<WorkloadCgroup> create(const std::filesystem::path& parent,
                                                  const std::string& name, CgroupVersion version);

    WorkloadCgroup(std::filesystem::path directory, CgroupVersion version);

    const std::filesystem::path& directory() const { return directory_; }

    // Its cgroup.procs open for writing, for a child to join with join_cgroup() before exec.
    common::UniqueFd open_for_joining() const;

    // Every process in it and in cgroups a workload made below it.
    std::vector<pid_t> members() const;
    void signal_members(int signal) const;
    // SIGKILL to every member, those forking meanwhile included: cgroup.kill where the kernel has it
    // (5.14 and later), otherwise the members are frozen (waiting up to 1 s), killed and thawed.
    void kill_members() const;
    // Removes the directory (cgroups made below it first); false while processes remain in it.
    bool remove();
    bool removed() const { return removed_.load(); }

  private:
    const std::filesystem::path directory_;
    const CgroupVersion version_;
    std::atomic<bool> removed_{false};
};

// In a starting child, async-signal-safe: moves the calling process into the cgroup whose
// cgroup.procs `procs_fd` is (writing "0" there means "the writer"). Returns 0 or the errno.
int join_cgroup(int procs_fd);

}  // namespace execd::process
