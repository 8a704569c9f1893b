#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace execd::process {

// Small reads and writes of cgroup interface files (cgroup.procs, cgroup.kill, freezer.state).

// The file's text; empty when it cannot be read.
std::string read_cgroup_file(const std::filesystem::path& path);

// Writes `text` in one write(); false (errno set) when the file refuses it.
bool write_cgroup_file(const std::filesystem::path& path, std::string_view text);

// The pids listed in a cgroup.procs file.
std::vector<pid_t> read_cgroup_pids(const std::filesystem::path& procs_file);

}  // namespace execd::process
