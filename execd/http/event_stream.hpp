#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "common/event_loop.hpp"
#include "http/response_channel.hpp"
#include "http/stream_event.hpp"

namespace execd::http {

struct EventStreamOptions {
    std::chrono::milliseconds ping_interval{std::chrono::seconds(3)};
    // How long the stream stays open after its terminal event (upstream's EXECD_API_GRACE_SHUTDOWN).
    std::chrono::nanoseconds grace{std::chrono::seconds(1)};
};

// Upstream's event stream on top of a ResponseChannel: the 200 head goes out with the first event (so
// a handler can still answer with a real 4xx/5xx before that), `init` starts a `ping` heartbeat, and
// exactly one terminal event ends it. Every method must be called on `loop`'s thread. The object may
// be destroyed on any thread: a pending heartbeat holds only a weak reference and then does nothing.
class EventStream : public std::enable_shared_from_this<EventStream> {
  public:
    static std::shared_ptr<EventStream> create(std::shared_ptr<ResponseChannel> channel,
                                               common::EventLoop& loop, EventStreamOptions options);
    // Sends a non-terminal event. An `init` event also sends the first `ping` and arms the heartbeat.
    void send(const StreamEvent& event);
    // An output line held back until flush_output() (or the next event) writes every held line at
    // once: one write per pipe read instead of one per line.
    void queue_output(bool is_stderr, std::string_view line);
    void flush_output();
    // Sends the terminal event (execution_complete or error), waits the grace window, then ends.
    void end_with(const StreamEvent& terminal);
    // For a failure after the stream started: an `error` event, then upstream's in-band
    // {"code":"RUNTIME_ERROR","message":...} object, then the end, without the grace wait.
    void fail_in_band(const std::string& message);

    // Runs `on_gone` once, on the loop's thread, if the client is found gone before the stream ended
    // (checked every kClientCheckInterval; a disconnect shows once a write to the socket failed).
    void watch_client(std::function<void()> on_gone);

    bool ended() const { return ended_; }
    // Bytes of events handed to the connection and not yet written to its socket (any thread).
    std::size_t unsent_bytes() const { return unsent_->load(); }

    EventStream(std::shared_ptr<ResponseChannel> channel, common::EventLoop& loop,
                EventStreamOptions options);

  private:
    // Room for the frames of one 64 KiB read of plain text; kept under malloc's mmap threshold.
    static constexpr std::size_t kOutputBatchBytes = 96 * 1024;

    void write_event(const StreamEvent& event);
    void write_frames(std::string frames);
    void schedule_ping();
    void stop_heartbeat();
    void schedule_client_check();
    void close();

    static constexpr std::chrono::milliseconds kClientCheckInterval{500};

    std::shared_ptr<ResponseChannel> channel_;
    std::string queued_output_;  // frames of output lines not yet written
    common::EventLoop& loop_;
    EventStreamOptions options_;
    bool started_ = false;
    bool ended_ = false;
    common::EventLoop::TimerId ping_timer_ = 0;
    std::function<void()> on_client_gone_;
    // Shared with the write callbacks, which may run after this object is gone.
    std::shared_ptr<std::atomic<std::size_t>> unsent_ = std::make_shared<std::atomic<std::size_t>>(0);
};

}  // namespace execd::http
