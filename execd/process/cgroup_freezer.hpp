#pragma once

#include <filesystem>

#include "process/cgroup_location.hpp"

namespace execd::process {

// Freezes a cgroup and everything below it for its lifetime, so that its member list holds still
// (a frozen process cannot fork) while each member is killed: the way to kill a whole cgroup where
// there is no cgroup.kill (cgroup v2 before Linux 5.14, the cgroup v1 freezer). Thaws on
// destruction, which a v1 process killed while frozen needs in order to die.
class FrozenCgroup {
  public:
    FrozenCgroup(std::filesystem::path directory, CgroupVersion version);
    ~FrozenCgroup();
    FrozenCgroup(const FrozenCgroup&) = delete;
    FrozenCgroup& operator=(const FrozenCgroup&) = delete;

    // Whether every member stopped (within a short wait); false if the cgroup cannot be frozen.
    bool frozen() const { return frozen_; }

  private:
    bool wait_until_frozen() const;

    const std::filesystem::path directory_;
    const CgroupVersion version_;
    bool requested_ = false;
    bool frozen_ = false;
};

}  // namespace execd::process
