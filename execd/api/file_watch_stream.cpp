#include "api/file_watch_stream.hpp"

#include <sys/epoll.h>

#include <algorithm>
#include <utility>

#include "api/file_watch_frames.hpp"

namespace execd::api {
namespace {

http::ResponseHead file_watch_head() {
    return http::ResponseHead{
        200,
        {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}},
        std::nullopt};
}

}  // namespace

FileWatchStream::FileWatchStream(std::shared_ptr<http::ResponseChannel> channel,
                                 std::unique_ptr<files::InotifyWatch> watch,
                                 std::shared_ptr<common::EventLoop> loop, const FileWatchStreamLimits& limits)
    : channel_(std::move(channel)),
      watch_(std::move(watch)),
      loop_(std::move(loop)),
      limits_(limits),
      queue_(limits.max_queued_events, limits.max_queued_bytes) {}

void FileWatchStream::start() {
    channel_->start(file_watch_head());
    // The descriptor's callback owns the stream until stop_watching() removes it.
    loop_->watch(watch_->fd(), EPOLLIN, [self = shared_from_this()](uint32_t) { self->on_readable(); });
    schedule_ping();
}

void FileWatchStream::on_readable() {
    std::vector<files::WatchEvent> events;
    watch_->read_events(events, Clock::now());
    publish(events);
}

void FileWatchStream::on_deadline() {
    deadline_timer_ = 0;
    armed_deadline_.reset();
    std::vector<files::WatchEvent> events;
    watch_->take_due(events, Clock::now());
    publish(events);
}

void FileWatchStream::publish(const std::vector<files::WatchEvent>& events) {
    const int64_t now = watch_unix_ms_now();
    for (const auto& event : events) {
        switch (event.change) {
            case files::WatchChange::root_gone:
                end("deleted");
                return;
            case files::WatchChange::overflowed:  // at most one per 16384 kernel events
                queue_.push_notice(watch_event_frame(event, now), now);
                break;
            default:
                queue_.push_event(watch_event_frame(event, now));
        }
    }
    arm_deadline();
    flush();
}

void FileWatchStream::arm_deadline() {
    const auto next = watch_->next_deadline();
    if (next == armed_deadline_) {
        return;
    }
    if (deadline_timer_ != 0) {
        loop_->cancel_timer(deadline_timer_);
        deadline_timer_ = 0;
    }
    armed_deadline_ = next;
    if (!next) {
        return;
    }
    const auto delay = std::chrono::ceil<std::chrono::milliseconds>(*next - Clock::now());
    deadline_timer_ =
        loop_->run_after(std::max(delay, std::chrono::milliseconds(0)), [weak = weak_from_this()] {
            if (auto self = weak.lock(); self && !self->ended_) {
                self->on_deadline();
            }
        });
}

// One write in flight at a time: what comes meanwhile waits in the bounded queue.
void FileWatchStream::flush() {
    if (writing_ || ended_ || queue_.empty()) {
        return;
    }
    writing_ = true;
    channel_->write(queue_.take(watch_unix_ms_now()), [weak = weak_from_this(), loop = loop_](bool written) {
        loop->post([weak, written] {
            if (auto self = weak.lock()) {
                self->on_written(written);
            }
        });
    });
}

void FileWatchStream::on_written(bool written) {
    writing_ = false;
    if (!written) {
        end_for_gone_client();
        return;
    }
    flush();
}

void FileWatchStream::schedule_ping() {
    ping_timer_ = loop_->run_after(limits_.ping_interval, [weak = weak_from_this()] {
        if (auto self = weak.lock(); self && !self->ended_) {
            self->ping_timer_ = 0;
            self->ping();
        }
    });
}

void FileWatchStream::ping() {
    if (channel_->peer_gone()) {
        end_for_gone_client();
        return;
    }
    if (!writing_ && queue_.empty()) {
        queue_.push_notice(kWatchPingFrame, watch_unix_ms_now());
        flush();
    }
    schedule_ping();
}

void FileWatchStream::end(std::string_view reason) {
    if (ended_) {
        return;
    }
    std::vector<files::WatchEvent> events;
    watch_->take_all(events);
    const int64_t now = watch_unix_ms_now();
    for (const auto& event : events) {
        queue_.push_event(watch_event_frame(event, now));
    }
    queue_.push_notice(watch_end_frame(reason, now), now);
    stop_watching();
    channel_->write(queue_.take(now));
    channel_->finish();
}

void FileWatchStream::end_for_gone_client() {
    if (!ended_) {
        stop_watching();
        channel_->finish();
    }
}

void FileWatchStream::stop_watching() {
    ended_ = true;
    for (auto* timer : {&deadline_timer_, &ping_timer_}) {
        if (*timer != 0) {
            loop_->cancel_timer(*timer);
            *timer = 0;
        }
    }
    loop_->unwatch(watch_->fd());
    watch_.reset();
}

}  // namespace execd::api
