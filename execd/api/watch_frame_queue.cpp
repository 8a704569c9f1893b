#include "api/watch_frame_queue.hpp"

#include <utility>

#include "api/file_watch_frames.hpp"

namespace execd::api {

void WatchFrameQueue::push_event(std::string_view frame) {
    if (dropped_ > 0 || events_ >= max_events_ || queued_.size() + frame.size() > max_bytes_) {
        ++dropped_;
        return;
    }
    queued_ += frame;
    ++events_;
}

void WatchFrameQueue::push_notice(std::string_view frame, int64_t unix_ms) {
    append_overflow_notice(unix_ms);
    queued_ += frame;
}

std::string WatchFrameQueue::take(int64_t unix_ms) {
    append_overflow_notice(unix_ms);
    events_ = 0;
    return std::exchange(queued_, {});
}

void WatchFrameQueue::append_overflow_notice(int64_t unix_ms) {
    if (dropped_ > 0) {
        queued_ += watch_overflow_frame(dropped_, unix_ms);
        dropped_ = 0;
    }
}

}  // namespace execd::api
