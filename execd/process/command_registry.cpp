#include "process/command_registry.hpp"

#include <unistd.h>

#include <algorithm>

namespace execd::process {

void CommandRegistry::add(std::shared_ptr<CommandRecord> record) {
    std::lock_guard lock(mutex_);
    records_[record->id()] = std::move(record);
}

std::shared_ptr<CommandRecord> CommandRegistry::find(const std::string& id) const {
    std::lock_guard lock(mutex_);
    const auto found = records_.find(id);
    return found == records_.end() ? nullptr : found->second;
}

std::size_t CommandRegistry::size() const {
    std::lock_guard lock(mutex_);
    return records_.size();
}

std::size_t CommandRegistry::prune(std::chrono::system_clock::time_point now) {
    std::vector<CommandState> finished;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [id, record] : records_) {
            CommandState state = record->snapshot();
            if (!state.running) {
                finished.push_back(std::move(state));
            }
        }
    }
    std::sort(finished.begin(), finished.end(),
              [](const CommandState& a, const CommandState& b) { return a.finished_at > b.finished_at; });
    std::vector<std::string> doomed;
    for (std::size_t i = 0; i < finished.size(); ++i) {
        const bool too_many = i >= retention_.max_count;
        const bool too_old = now - *finished[i].finished_at > retention_.max_age;
        if (too_many || too_old) {
            doomed.push_back(finished[i].id);
            ::unlink(finished[i].log_path.c_str());
        }
    }
    std::lock_guard lock(mutex_);
    for (const auto& id : doomed) {
        records_.erase(id);
    }
    return doomed.size();
}

}  // namespace execd::process
