#pragma once

#include <string>
#include <vector>

namespace egress::nft {

// How a finished command ended.
struct CommandOutcome {
    int exit_code = -1;  // 128 + signal number when it was killed
    std::string errors;  // what it wrote to stderr, surrounding whitespace removed
};

// Runs a program from an argument vector, never through a shell. An interface so that what runs
// iptables can be tested without running it.
class CommandRunner {
  public:
    virtual ~CommandRunner() = default;
    // Throws std::runtime_error when the program cannot be started at all, e.g.
    // "cannot run /opt/iptables: No such file or directory".
    virtual CommandOutcome run(const std::vector<std::string>& argv) = 0;
};

// posix_spawnp and wait: stdin and stdout are /dev/null, stderr is captured (up to 64 KiB), the
// child starts with no signal blocked. For start and stop only, never for a hot path.
class ProcessRunner final : public CommandRunner {
  public:
    CommandOutcome run(const std::vector<std::string>& argv) override;
};

}  // namespace egress::nft
