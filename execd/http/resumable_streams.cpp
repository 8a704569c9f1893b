#include "http/resumable_streams.hpp"

#include <algorithm>
#include <vector>

#include "common/duration.hpp"

namespace execd::http {

void ResumableStreams::add(const std::string& id, std::shared_ptr<EventStream> stream) {
    release_expired();
    streams_[id] = std::move(stream);
}

std::shared_ptr<EventStream> ResumableStreams::find(const std::string& id) {
    release_expired();
    const auto found = streams_.find(id);
    return found == streams_.end() ? nullptr : found->second;
}

EventStreamOptions ResumableStreams::stream_options(EventStreamOptions options) const {
    options.replay_bytes = limits_.bytes_per_execution;
    return options;
}

std::string ResumableStreams::retention_text() const {
    if (limits_.bytes_per_execution == 0) {
        return "resuming is turned off";
    }
    return "an execution's events are kept for " + common::format_duration(limits_.keep_after_end) +
           " after it ends";
}

void ResumableStreams::release_expired() {
    const auto now = std::chrono::steady_clock::now();
    std::erase_if(streams_, [&](const auto& entry) {
        return entry.second->ended() && now - entry.second->ended_at() >= limits_.keep_after_end;
    });
    std::vector<std::pair<std::chrono::steady_clock::time_point, const std::string*>> ended;
    std::size_t ended_bytes = 0;
    for (const auto& [id, stream] : streams_) {
        if (stream->ended()) {
            ended.emplace_back(stream->ended_at(), &id);
            ended_bytes += stream->held_bytes();
        }
    }
    if (ended.size() <= limits_.ended_count && ended_bytes <= limits_.ended_bytes_total) {
        return;
    }
    std::sort(ended.begin(), ended.end());
    std::size_t count = ended.size();
    for (const auto& [ended_at, id] : ended) {
        if (count <= limits_.ended_count && ended_bytes <= limits_.ended_bytes_total) {
            break;
        }
        const auto found = streams_.find(*id);
        ended_bytes -= found->second->held_bytes();
        --count;
        streams_.erase(found);
    }
}

}  // namespace execd::http
