#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "process/user_credentials.hpp"

namespace execd::process {

// Everything needed to start one shell command.
struct SpawnSpec {
    std::string shell;              // absolute path of bash (or sh)
    std::string command;            // passed as `shell -c command`
    std::string cwd;                // empty: execd's own
    std::vector<std::string> envp;  // "KEY=VALUE"
    std::optional<UserCredentials> credentials;
    std::string log_path;  // raw stdout+stderr is appended here
    std::optional<std::chrono::milliseconds> timeout;
    // The name of its cgroup below execd's ("command-<id>", "session-<id>"); empty: a random one.
    std::string cgroup_name;
    int stdin_fd = -1;  // the read end of the command's stdin, kept by the caller; -1: /dev/null
};

// The shell commands run with: bash from PATH, else sh from PATH, else /bin/sh.
std::string find_shell(const std::string& path_variable);

// Whether a shell path found above is bash (which takes options that sh does not).
bool is_bash(const std::string& shell);

}  // namespace execd::process
