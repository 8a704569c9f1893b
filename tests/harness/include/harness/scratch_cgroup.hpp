#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace harness {

// A throw-away cgroup v2 of its own for a process under test, as a container would give it, so
// that what the product does with its cgroup can be tested. Removed on destruction once the
// processes in it have gone (they are killed first).
class ScratchCgroup {
  public:
    explicit ScratchCgroup(const std::string& name);
    ~ScratchCgroup();
    ScratchCgroup(const ScratchCgroup&) = delete;
    ScratchCgroup& operator=(const ScratchCgroup&) = delete;

    // argv that joins this cgroup, then execs `argv`. `ip netns exec` mounts a fresh /sys for the
    // namespace, hiding the cgroup mounts, so the wrapper mounts cgroup2 at /sys/fs/cgroup in its
    // private mount namespace first, as a container runtime does for its container.
    std::vector<std::string> wrap(const std::vector<std::string>& argv) const;

    const std::filesystem::path& directory() const { return directory_; }

  private:
    std::string name_;
    std::filesystem::path directory_;
};

// Whether cgroup v2 is mounted here (ScratchCgroup needs it).
bool cgroup2_available();

}  // namespace harness
