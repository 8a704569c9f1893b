#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>

#include "http/event_stream.hpp"

namespace execd::http {

// How much of an execution's events stays available to clients that resume, and for how long.
struct ReplayLimits {
    std::size_t bytes_per_execution = 16 * 1024 * 1024;  // 0: streams cannot be resumed
    std::chrono::nanoseconds keep_after_end{std::chrono::minutes(10)};
    // Ended executions beyond these totals give up their events oldest first.
    std::size_t ended_bytes_total = 256 * 1024 * 1024;
    std::size_t ended_count = 1024;
};

// The streams of executions that clients may resume, by id: kept while the execution runs and for
// ReplayLimits::keep_after_end after it ended. Use on the streams' loop thread only.
class ResumableStreams {
  public:
    explicit ResumableStreams(ReplayLimits limits) : limits_(limits) {}

    void add(const std::string& id, std::shared_ptr<EventStream> stream);
    // The stream of `id`; null when none was kept or it was released.
    std::shared_ptr<EventStream> find(const std::string& id);

    const ReplayLimits& limits() const { return limits_; }
    // How long events are kept, for error messages.
    std::string retention_text() const;
    // The options of a stream that add() will take.
    EventStreamOptions stream_options(EventStreamOptions options) const;

  private:
    void release_expired();

    ReplayLimits limits_;
    std::unordered_map<std::string, std::shared_ptr<EventStream>> streams_;
};

}  // namespace execd::http
