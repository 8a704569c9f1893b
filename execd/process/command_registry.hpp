#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "process/command_record.hpp"

namespace execd::process {

// Every command record by id. Finished records are kept for a bounded time and number, then removed
// together with their log files.
class CommandRegistry {
  public:
    struct Retention {
        std::chrono::nanoseconds max_age{std::chrono::hours(1)};
        std::size_t max_count = 1000;
    };

    explicit CommandRegistry(Retention retention) : retention_(retention) {}

    void add(std::shared_ptr<CommandRecord> record);
    std::shared_ptr<CommandRecord> find(const std::string& id) const;
    // Removes finished records past the retention bounds (oldest first) and deletes their logs.
    // Returns how many were removed.
    std::size_t prune(std::chrono::system_clock::time_point now);
    std::size_t size() const;

  private:
    Retention retention_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<CommandRecord>> records_;
};

}  // namespace execd::process
