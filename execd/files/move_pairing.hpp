#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace execd::files {

// Pairs inotify's IN_MOVED_FROM with the IN_MOVED_TO of the same rename (same cookie). The kernel
// queues the two back to back, so a source is held only until the next event: a matching
// IN_MOVED_TO makes it a move inside the tree; anything else, or `wait` passing with nothing
// queued, means it left the tree.
class MovePairing {
  public:
    using Clock = std::chrono::steady_clock;

    struct Source {
        std::string path;
        bool is_dir = false;
    };

    explicit MovePairing(std::chrono::milliseconds wait) : wait_(wait) {}

    // IN_MOVED_FROM. Returns the source held before, which then left the tree.
    std::optional<Source> hold(uint32_t cookie, Source source, Clock::time_point now);
    // IN_MOVED_TO: the held source when `cookie` is its rename's, released; otherwise nothing is
    // released (call release() for the held source, which left the tree).
    std::optional<Source> pair(uint32_t cookie);
    // The held source, released.
    std::optional<Source> release();
    // The held source, released when its wait has passed.
    std::optional<Source> release_due(Clock::time_point now);

    std::optional<Clock::time_point> deadline() const;

  private:
    struct Held {
        uint32_t cookie = 0;
        Source source;
        Clock::time_point deadline;
    };

    std::chrono::milliseconds wait_;
    std::optional<Held> held_;
};

}  // namespace execd::files
