#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>

#include "process/exit_outcome.hpp"

namespace execd::process {

// What GET /command/status reports about one command.
struct CommandState {
    std::string id;
    std::string content;
    bool background = false;
    bool running = true;
    std::optional<int> exit_code;
    std::string error;
    std::chrono::system_clock::time_point started_at;
    std::optional<std::chrono::system_clock::time_point> finished_at;
    std::string log_path;
    pid_t pid = -1;
};

// One command's record; thread-safe. It exists before the client hears of the command's id.
class CommandRecord {
  public:
    CommandRecord(std::string id, std::string content, bool background, std::string log_path);

    CommandState snapshot() const;
    const std::string& id() const { return id_; }
    void set_pid(pid_t pid);
    void set_finished(const ExitOutcome& outcome);
    // Blocks until the command finished or `timeout` passed; true when finished.
    bool wait_finished(std::chrono::milliseconds timeout) const;

  private:
    const std::string id_;
    mutable std::mutex mutex_;
    mutable std::condition_variable finished_;
    CommandState state_;
};

}  // namespace execd::process
