#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

namespace harness_test {

// Polls `condition` every 10 ms until it holds or `timeout` passes; returns its last value.
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

// True when the pid is gone or a zombie (nobody may reap orphans promptly in a container).
bool process_dead(pid_t pid);

// `ip -o link`, `ip -o addr` and routes of the caller's (root) namespace, for before/after diffs.
std::string root_namespace_snapshot();

// A private directory for log files, removed on destruction.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path file(const std::string& name) const { return path_ / name; }

  private:
    std::filesystem::path path_;
};

}  // namespace harness_test
