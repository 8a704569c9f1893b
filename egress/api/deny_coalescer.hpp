#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace egress::api {

// One webhook notification: `count` denials of `hostname`, the first at `timestamp`.
struct DenyEvent {
    std::string hostname;
    std::chrono::system_clock::time_point timestamp;
    uint64_t count = 1;
};

// At most one notification per hostname per window: the first denial is delivered at once and
// opens a window; repeats inside it are counted and delivered as one event when it closes. The
// number of hostnames tracked at a time is bounded. Not thread-safe; time is passed in.
class DenyCoalescer {
  public:
    using Clock = std::chrono::steady_clock;

    DenyCoalescer(std::chrono::milliseconds window, size_t max_hosts);

    struct Admission {
        std::optional<DenyEvent> deliver_now;
        bool dropped = false;  // too many hostnames tracked
    };
    Admission add(const std::string& hostname, Clock::time_point now,
                  std::chrono::system_clock::time_point wall);

    // The events whose window has closed; forgets hostnames that stayed quiet for a window.
    std::vector<DenyEvent> take_due(Clock::time_point now);
    // When take_due next has something to do; nullopt when nothing is tracked.
    std::optional<Clock::time_point> next_due() const;

  private:
    struct HostWindow {
        Clock::time_point closes;
        uint64_t repeats = 0;
        std::chrono::system_clock::time_point first_repeat;
    };

    std::chrono::milliseconds window_;
    size_t max_hosts_;
    std::unordered_map<std::string, HostWindow> hosts_;
};

}  // namespace egress::api
