#include "http/event_stream.hpp"

#include <utility>

namespace execd::http {
namespace {

ResponseHead stream_head() {
    return ResponseHead{200,
                        {{"Content-Type", "text/event-stream"},
                         {"Cache-Control", "no-cache"},
                         {"Connection", "keep-alive"},
                         {"X-Accel-Buffering", "no"}},
                        std::nullopt};
}

}  // namespace

std::shared_ptr<EventStream> EventStream::create(std::shared_ptr<ResponseChannel> channel,
                                                 common::EventLoop& loop, EventStreamOptions options) {
    return std::make_shared<EventStream>(std::move(channel), loop, options);
}

EventStream::EventStream(std::shared_ptr<ResponseChannel> channel, common::EventLoop& loop,
                         EventStreamOptions options)
    : channel_(std::move(channel)), loop_(loop), options_(options) {}

void EventStream::write_event(const StreamEvent& event) {
    flush_output();
    write_frames(frame_event(event));
}

void EventStream::write_frames(std::string frames) {
    if (!started_) {
        started_ = true;
        channel_->start(stream_head());
    }
    const std::size_t size = frames.size();
    unsent_->fetch_add(size);
    channel_->write(std::move(frames), [unsent = unsent_, size](bool) { unsent->fetch_sub(size); });
}

void EventStream::queue_output(bool is_stderr, std::string_view line) {
    if (ended_) {
        return;
    }
    if (queued_output_.empty()) {
        // The frames of one full pipe read, without growing the string on the way.
        queued_output_.reserve(kOutputBatchBytes);
    }
    append_output_frame(queued_output_, is_stderr, line, unix_millis_now());
}

void EventStream::flush_output() {
    if (!queued_output_.empty()) {
        write_frames(std::exchange(queued_output_, {}));
    }
}

void EventStream::send(const StreamEvent& event) {
    if (ended_) {
        return;
    }
    write_event(event);
    if (event.type == "init") {
        write_event(StreamEvent::ping());
        schedule_ping();
    }
}

void EventStream::schedule_ping() {
    std::weak_ptr<EventStream> weak = weak_from_this();
    ping_timer_ = loop_.run_after(options_.ping_interval, [weak] {
        if (auto self = weak.lock(); self && !self->ended_) {
            self->ping_timer_ = 0;
            self->write_event(StreamEvent::ping());
            self->schedule_ping();
        }
    });
}

void EventStream::watch_client(std::function<void()> on_gone) {
    on_client_gone_ = std::move(on_gone);
    schedule_client_check();
}

void EventStream::schedule_client_check() {
    std::weak_ptr<EventStream> weak = weak_from_this();
    loop_.run_after(kClientCheckInterval, [weak] {
        auto self = weak.lock();
        if (!self || self->ended_ || !self->on_client_gone_) {
            return;
        }
        if (!self->channel_->peer_gone()) {
            self->schedule_client_check();
            return;
        }
        auto on_gone = std::move(self->on_client_gone_);
        self->on_client_gone_ = nullptr;
        on_gone();
    });
}

void EventStream::stop_heartbeat() {
    if (ping_timer_ != 0) {
        loop_.cancel_timer(ping_timer_);
        ping_timer_ = 0;
    }
}

void EventStream::end_with(const StreamEvent& terminal) {
    if (ended_) {
        return;
    }
    write_event(terminal);
    ended_ = true;
    stop_heartbeat();
    const auto grace = std::chrono::duration_cast<std::chrono::milliseconds>(options_.grace);
    if (grace.count() <= 0 || channel_->peer_gone()) {
        close();
        return;
    }
    // Keeps the stream (and so this object) alive until the grace window passes.
    loop_.run_after(grace, [self = shared_from_this()] { self->close(); });
}

void EventStream::fail_in_band(const std::string& message) {
    if (ended_) {
        return;
    }
    write_event(StreamEvent::failure(EventError{"RuntimeError", message, std::vector<std::string>{message}}));
    channel_->write(error_object_json(error_code::kRuntimeError, message) + "\n\n");
    ended_ = true;
    stop_heartbeat();
    close();
}

void EventStream::close() {
    channel_->finish();
}

}  // namespace execd::http
