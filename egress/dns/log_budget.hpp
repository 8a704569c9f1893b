#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "common/metrics.hpp"

namespace egress::dns {

// Rate limit for one kind of log line, so a flood (a workload probing denied names, an upstream
// down under load) cannot flood the log: at most `per_second` lines a second; the rest are counted
// and reported in one warning when the next second's first line is taken, and in `suppressed` (a
// metric) at once, so a burst that ends is still accounted for.
class LogBudget {
  public:
    using Clock = std::chrono::steady_clock;

    // `what` names the lines in the summary: "{n} more {what} not logged in the last second".
    LogBudget(std::string what, size_t per_second, common::Counter* suppressed = nullptr);

    // Whether a line may be written now.
    bool take(Clock::time_point now = Clock::now());

  private:
    std::string what_;
    size_t per_second_;
    common::Counter* suppressed_counter_;
    Clock::time_point window_start_{};
    size_t taken_ = 0;
    size_t suppressed_ = 0;
};

}  // namespace egress::dns
