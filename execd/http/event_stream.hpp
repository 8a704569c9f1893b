#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/event_loop.hpp"
#include "http/event_journal.hpp"
#include "http/response_channel.hpp"
#include "http/stream_event.hpp"

namespace execd::http {

struct EventStreamOptions {
    std::chrono::milliseconds ping_interval{std::chrono::seconds(3)};
    // How long the stream stays open after its terminal event (upstream's EXECD_API_GRACE_SHUTDOWN).
    std::chrono::nanoseconds grace{std::chrono::seconds(1)};
    // Bytes of framed events kept for clients that resume (0: the stream cannot be resumed).
    std::size_t replay_bytes = 0;
};

// Upstream's event stream on top of ResponseChannels: the 200 head goes out with the first event (so
// a handler can still answer with a real 4xx/5xx before that), `init` starts a `ping` heartbeat, and
// exactly one terminal event ends it. Every event but `ping` carries an `eid` (1, 2, 3, …). With
// replay bytes, the events are also kept in a journal and more clients may attach with resume(): each
// gets the kept events after its last eid, then the live ones, each exactly once and in order.
// Every method must be called on `loop`'s thread. The object may be destroyed on any thread: a pending
// heartbeat holds only a weak reference and then does nothing.
class EventStream : public std::enable_shared_from_this<EventStream> {
  public:
    static std::shared_ptr<EventStream> create(std::shared_ptr<ResponseChannel> channel,
                                               common::EventLoop& loop, EventStreamOptions options);
    // Sends a non-terminal event. An `init` event also sends the first `ping` and arms the heartbeat.
    void send(StreamEvent event);
    // An output line held back until flush_output() (or the next event) writes every held line at
    // once: one write per pipe read instead of one per line.
    void queue_output(bool is_stderr, std::string_view line);
    void flush_output();
    // Sends the terminal event (execution_complete or error), waits the grace window, then ends.
    void end_with(StreamEvent terminal);
    // For a failure after the stream started: an `error` event, then upstream's in-band
    // {"code":"RUNTIME_ERROR","message":...} object, then the end, without the grace wait.
    void fail_in_band(const std::string& message);

    // Runs `on_gone` once, on the loop's thread, if the first client is found gone before the stream
    // ended (checked every kClientCheckInterval; a disconnect shows once a write to the socket failed).
    void watch_client(std::function<void()> on_gone);

    // Attaches `channel` as one more client of the execution called `name` (for error texts): the kept
    // events after `after_eid`, then the live ones until the end. When the events right after
    // `after_eid` are no longer kept, or `after_eid` is past the last event, it answers an error instead.
    void resume(std::shared_ptr<ResponseChannel> channel, int64_t after_eid, const std::string& name);

    bool ended() const { return ended_; }
    std::chrono::steady_clock::time_point ended_at() const { return ended_at_; }
    // Bytes of events kept for resumption.
    std::size_t held_bytes() const { return journal_ ? journal_->held_bytes() : 0; }
    // Bytes of events handed to the connections and not yet written to their sockets (any thread).
    std::size_t unsent_bytes() const { return unsent_->load(); }

    EventStream(std::shared_ptr<ResponseChannel> channel, common::EventLoop& loop,
                EventStreamOptions options);

  private:
    // Room for the frames of one 64 KiB read of plain text; kept under malloc's mmap threshold.
    static constexpr std::size_t kOutputBatchBytes = 96 * 1024;
    static constexpr std::chrono::milliseconds kClientCheckInterval{500};

    struct Client {
        std::shared_ptr<ResponseChannel> channel;
        bool started = false;
    };

    void write_event(StreamEvent event);
    // Hands the frames of events first_eid..last_eid to the journal and every client.
    void publish(std::string frames, int64_t first_eid, int64_t last_eid);
    void start_client(Client& client);
    void write_to(Client& client, std::string frames);
    void finish_clients();
    void send_ping();
    void schedule_ping();
    void stop_heartbeat();
    void schedule_client_check();
    void mark_ended();
    std::optional<Response> resume_refusal(int64_t after_eid, const std::string& name) const;

    std::vector<Client> clients_;  // the first is the one that started the execution
    std::shared_ptr<ResponseChannel> first_channel_;
    std::optional<EventJournal> journal_;
    std::string queued_output_;  // frames of output lines not yet written
    int64_t queued_first_eid_ = 0;
    int64_t next_eid_ = 1;
    std::string in_band_error_;  // what fail_in_band wrote after its error event, for late clients
    common::EventLoop& loop_;
    EventStreamOptions options_;
    bool ended_ = false;
    bool finished_ = false;  // every client's response has ended
    std::chrono::steady_clock::time_point ended_at_{};
    common::EventLoop::TimerId ping_timer_ = 0;
    std::function<void()> on_client_gone_;
    // Shared with the write callbacks, which may run after this object is gone.
    std::shared_ptr<std::atomic<std::size_t>> unsent_ = std::make_shared<std::atomic<std::size_t>>(0);
};

}  // namespace execd::http
