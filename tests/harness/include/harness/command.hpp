#pragma once

#include <string>
#include <vector>

namespace harness {

struct CommandResult {
    int exit_code = -1;  // shell-style: 128 + signal when killed
    std::string output;  // stdout and stderr interleaved
};

// Runs argv to completion (no shell), feeding `input` on stdin.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& input = {});

// Like run_command, but throws std::runtime_error with the output when the exit code is not 0.
std::string run_checked(const std::vector<std::string>& argv, const std::string& input = {});

}  // namespace harness
