#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace execd::api {

// The frames of one /files/watch client not yet handed to its connection, bounded: when the client
// reads slower than events come, events are dropped (and counted) rather than held without limit,
// and the client is told how many with one `overflow` event where they would have been.
class WatchFrameQueue {
  public:
    WatchFrameQueue(std::size_t max_events, std::size_t max_bytes)
        : max_events_(max_events), max_bytes_(max_bytes) {}

    // Queues an event's frame, or drops and counts it when the queue is full. Once one was dropped,
    // every event is until take(), so that the overflow notice marks where the gap is.
    void push_event(std::string_view frame);
    // Queues a frame that is never dropped (the kernel's overflow, the end, pings), after the notice for
    // the events dropped before it.
    void push_notice(std::string_view frame, int64_t unix_ms);
    // Every queued frame, then the overflow notice when events were dropped; empties the queue.
    std::string take(int64_t unix_ms);

    bool empty() const { return queued_.empty() && dropped_ == 0; }
    std::size_t dropped() const { return dropped_; }

  private:
    void append_overflow_notice(int64_t unix_ms);

    std::size_t max_events_;
    std::size_t max_bytes_;
    std::string queued_;
    std::size_t events_ = 0;
    std::size_t dropped_ = 0;
};

}  // namespace execd::api
