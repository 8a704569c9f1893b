#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "api/watch_frame_queue.hpp"
#include "common/event_loop.hpp"
#include "files/inotify_watch.hpp"
#include "http/response_channel.hpp"

namespace execd::api {

struct FileWatchStreamLimits {
    // Frames queued for a slow client beyond the one write in flight; more are dropped and counted.
    std::size_t max_queued_events = 8192;
    std::size_t max_queued_bytes = 1024 * 1024;
    std::chrono::milliseconds ping_interval{std::chrono::seconds(3)};
};

// One GET /files/watch response: the events of an InotifyWatch as Server-Sent Events, written one
// batch at a time (a slow client never makes the loop wait; what it cannot take is dropped and
// reported by an `overflow` event), a `: ping` comment while idle, and an `end` event when the
// watched directory goes or execd stops. The inotify descriptor is closed as soon as the stream
// ends or its client is found gone. Every method runs on `loop`'s thread.
class FileWatchStream : public std::enable_shared_from_this<FileWatchStream> {
  public:
    FileWatchStream(std::shared_ptr<http::ResponseChannel> channel,
                    std::unique_ptr<files::InotifyWatch> watch, std::shared_ptr<common::EventLoop> loop,
                    const FileWatchStreamLimits& limits);

    // Sends the head, then events as they come.
    void start();
    // Sends what is queued and an `end` event with `reason`, then ends the response.
    void end(std::string_view reason);
    bool ended() const { return ended_; }

  private:
    using Clock = files::InotifyWatch::Clock;

    void on_readable();
    void on_deadline();
    void publish(const std::vector<files::WatchEvent>& events);
    void arm_deadline();
    void flush();
    void on_written(bool written);
    void schedule_ping();
    void ping();
    void end_for_gone_client();
    void stop_watching();

    std::shared_ptr<http::ResponseChannel> channel_;
    std::unique_ptr<files::InotifyWatch> watch_;
    std::shared_ptr<common::EventLoop> loop_;
    FileWatchStreamLimits limits_;
    WatchFrameQueue queue_;
    bool writing_ = false;
    bool ended_ = false;
    common::EventLoop::TimerId deadline_timer_ = 0;
    std::optional<Clock::time_point> armed_deadline_;
    common::EventLoop::TimerId ping_timer_ = 0;
};

}  // namespace execd::api
