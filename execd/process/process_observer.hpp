#pragma once

#include <sys/types.h>

#include <string_view>

#include "process/exit_outcome.hpp"

namespace execd::process {

// Receives one managed process's life, always on the supervisor's loop thread and in this order:
// on_started, any number of on_output (in arrival order across stdout and stderr), on_exit.
class ProcessObserver {
  public:
    virtual ~ProcessObserver() = default;
    virtual void on_started(pid_t pid) = 0;
    virtual void on_output(bool is_stderr, std::string_view line) = 0;
    // After the lines of one read of a pipe went to on_output: a receiver that batches them sends now.
    virtual void on_read_complete() {}
    virtual void on_exit(const ExitOutcome& outcome) = 0;
    // True while the receiver has so much output still to deliver that reading more would only
    // buffer it: the supervisor then stops reading the pipes (the command blocks on a full pipe).
    virtual bool backlogged() const { return false; }
};

}  // namespace execd::process
