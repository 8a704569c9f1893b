#pragma once

#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace execd::files {

// Turns a run of IN_MODIFY for one path into one `modify`: the first opens a window of `window`;
// the path is reported when the window ends, when the writer closes the file (IN_CLOSE_WRITE), or
// just before another event of the path, whichever comes first. A writer that never stops gives one
// event per window.
class ModifyCoalescer {
  public:
    using Clock = std::chrono::steady_clock;

    explicit ModifyCoalescer(std::chrono::milliseconds window) : window_(window) {}

    void modified(const std::string& path, Clock::time_point now);
    // Ends the window of `path`; true when one was open (a `modify` is due now).
    bool take(const std::string& path);
    // Ends the windows of `directory` and of every path below it, oldest first.
    std::vector<std::string> take_under(const std::string& directory);
    // Ends the windows that have passed, oldest first.
    std::vector<std::string> take_due(Clock::time_point now);
    std::vector<std::string> take_all();

    std::optional<Clock::time_point> next_deadline();
    bool empty() const { return open_.empty(); }

  private:
    // Drops entries of `order_` whose window was already taken.
    void skip_taken();

    std::chrono::milliseconds window_;
    std::unordered_map<std::string, Clock::time_point> open_;  // path -> end of its window
    // Windows in the order they end (every window is as long); may hold entries already taken.
    std::deque<std::pair<Clock::time_point, std::string>> order_;
};

}  // namespace execd::files
