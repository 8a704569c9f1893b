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
    : first_channel_(channel), loop_(loop), options_(options) {
    clients_.push_back(Client{std::move(channel), false});
    if (options_.replay_bytes > 0) {
        journal_.emplace(options_.replay_bytes);
    }
}

void EventStream::write_event(StreamEvent event) {
    flush_output();
    event.eid = next_eid_++;
    publish(frame_event(event), event.eid, event.eid);
}

void EventStream::publish(std::string frames, int64_t first_eid, int64_t last_eid) {
    std::erase_if(clients_, [](const Client& client) { return client.channel->peer_gone(); });
    if (journal_) {
        journal_->append(frames, first_eid, last_eid);
    }
    for (std::size_t i = 0; i + 1 < clients_.size(); ++i) {
        write_to(clients_[i], frames);
    }
    if (!clients_.empty()) {
        write_to(clients_.back(), std::move(frames));
    }
}

void EventStream::start_client(Client& client) {
    if (!client.started) {
        client.started = true;
        client.channel->start(stream_head());
    }
}

void EventStream::write_to(Client& client, std::string frames) {
    start_client(client);
    const std::size_t size = frames.size();
    unsent_->fetch_add(size);
    client.channel->write(std::move(frames), [unsent = unsent_, size](bool) { unsent->fetch_sub(size); });
}

void EventStream::queue_output(bool is_stderr, std::string_view line) {
    if (ended_) {
        return;
    }
    if (queued_output_.empty()) {
        // The frames of one full pipe read, without growing the string on the way.
        queued_output_.reserve(kOutputBatchBytes);
        queued_first_eid_ = next_eid_;
    }
    append_output_frame(queued_output_, next_eid_++, is_stderr, line, unix_millis_now());
}

void EventStream::flush_output() {
    if (!queued_output_.empty()) {
        publish(std::exchange(queued_output_, {}), queued_first_eid_, next_eid_ - 1);
    }
}

void EventStream::send(StreamEvent event) {
    if (ended_) {
        return;
    }
    const bool init = event.type == "init";
    write_event(std::move(event));
    if (init) {
        send_ping();
        schedule_ping();
    }
}

void EventStream::send_ping() {
    flush_output();
    const std::string ping = frame_event(StreamEvent::ping());
    for (Client& client : clients_) {
        write_to(client, ping);
    }
}

void EventStream::schedule_ping() {
    std::weak_ptr<EventStream> weak = weak_from_this();
    ping_timer_ = loop_.run_after(options_.ping_interval, [weak] {
        if (auto self = weak.lock(); self && !self->ended_) {
            self->ping_timer_ = 0;
            self->send_ping();
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
        if (!self->first_channel_->peer_gone()) {
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

void EventStream::mark_ended() {
    ended_ = true;
    ended_at_ = std::chrono::steady_clock::now();
    stop_heartbeat();
}

void EventStream::end_with(StreamEvent terminal) {
    if (ended_) {
        return;
    }
    write_event(std::move(terminal));
    mark_ended();
    const auto grace = std::chrono::duration_cast<std::chrono::milliseconds>(options_.grace);
    if (grace.count() <= 0) {
        finish_clients();
        return;
    }
    loop_.run_after(grace, [self = shared_from_this()] { self->finish_clients(); });
}

void EventStream::fail_in_band(const std::string& message) {
    if (ended_) {
        return;
    }
    write_event(StreamEvent::failure(EventError{"RuntimeError", message, std::vector<std::string>{message}}));
    in_band_error_ = error_object_json(error_code::kRuntimeError, message) + "\n\n";
    for (Client& client : clients_) {
        write_to(client, in_band_error_);
    }
    mark_ended();
    finish_clients();
}

void EventStream::finish_clients() {
    for (Client& client : clients_) {
        client.channel->finish();
    }
    clients_.clear();
    first_channel_.reset();  // a kept stream must not hold its connection
    finished_ = true;
}

void EventStream::resume(std::shared_ptr<ResponseChannel> channel, int64_t after_eid,
                         const std::string& name) {
    flush_output();
    if (auto refusal = resume_refusal(after_eid, name)) {
        channel->respond(std::move(*refusal));
        return;
    }
    Client client{std::move(channel), false};
    start_client(client);
    if (std::string replay = journal_->frames_after(after_eid); !replay.empty()) {
        write_to(client, std::move(replay));
    }
    if (!finished_) {
        clients_.push_back(std::move(client));
        return;
    }
    if (!in_band_error_.empty()) {
        write_to(client, in_band_error_);
    }
    client.channel->finish();
}

std::optional<Response> EventStream::resume_refusal(int64_t after_eid, const std::string& name) const {
    if (!journal_) {
        return json_error(400, error_code::kInvalidRequestBody, name + " cannot be resumed");
    }
    const int64_t last = journal_->last_eid();
    if (after_eid < 0 || after_eid > last) {
        return json_error(400, error_code::kInvalidRequestBody,
                          "after_eid " + std::to_string(after_eid) + " is not an event of " + name +
                              " (its events so far: 1 to " + std::to_string(last) + ")");
    }
    const int64_t first_kept = journal_->first_kept_eid();
    if (after_eid + 1 >= first_kept) {
        return std::nullopt;
    }
    return json_error(410, error_code::kEventsNotKept,
                      "events " + std::to_string(after_eid + 1) + " to " + std::to_string(first_kept - 1) +
                          " of " + name + " are no longer kept (an execution keeps its newest " +
                          std::to_string(journal_->capacity()) + " bytes of events); resume with after_eid " +
                          std::to_string(first_kept - 1) + " to get the rest");
}

}  // namespace execd::http
