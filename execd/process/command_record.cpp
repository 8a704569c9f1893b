#include "process/command_record.hpp"

namespace execd::process {

CommandRecord::CommandRecord(std::string id, std::string content, bool background, std::string log_path)
    : id_(id) {
    state_.id = std::move(id);
    state_.content = std::move(content);
    state_.background = background;
    state_.log_path = std::move(log_path);
    state_.started_at = std::chrono::system_clock::now();
}

CommandState CommandRecord::snapshot() const {
    std::lock_guard lock(mutex_);
    return state_;
}

void CommandRecord::set_pid(pid_t pid) {
    std::lock_guard lock(mutex_);
    state_.pid = pid;
}

void CommandRecord::set_finished(const ExitOutcome& outcome) {
    {
        std::lock_guard lock(mutex_);
        state_.running = false;
        state_.exit_code = outcome.exit_code;
        state_.error = outcome.error_text;
        state_.finished_at = std::chrono::system_clock::now();
        state_.pid = -1;
    }
    finished_.notify_all();
}

bool CommandRecord::wait_finished(std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return finished_.wait_for(lock, timeout, [this] { return !state_.running; });
}

}  // namespace execd::process
