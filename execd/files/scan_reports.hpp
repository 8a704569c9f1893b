#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <string>
#include <unordered_map>
#include <utility>

namespace execd::files {

// Paths that a scan of a new directory reported as created while their own IN_CREATE may still be
// queued: that event is then swallowed, so that each path is reported once. The kernel queues the
// event just after the entry becomes visible, so a path is forgotten only once the queue has been
// read dry at least `grace` after its scan.
class ScanReports {
  public:
    using Clock = std::chrono::steady_clock;

    explicit ScanReports(std::chrono::milliseconds grace) : grace_(grace) {}

    // True when `path` was not held yet: report it.
    bool add(const std::string& path, Clock::time_point now);
    // True when `path` was held (its IN_CREATE is swallowed); forgets it.
    bool take(const std::string& path);
    // The kernel's queue was read dry: forgets what was added `grace` ago or earlier.
    void forget_settled(Clock::time_point now);
    std::size_t size() const { return added_.size(); }

  private:
    std::chrono::milliseconds grace_;
    std::unordered_map<std::string, Clock::time_point> added_;
    // In the order added; may hold paths already taken.
    std::deque<std::pair<Clock::time_point, std::string>> order_;
};

}  // namespace execd::files
