#include "http/event_journal.hpp"

#include <utility>

namespace execd::http {

void EventJournal::append(std::string_view frames, int64_t first_eid, int64_t last_eid) {
    std::string copy = std::exchange(spare_, {});
    copy.assign(frames);
    held_bytes_ += copy.size();
    pieces_.push_back(Piece{std::move(copy), first_eid, last_eid});
    last_eid_ = last_eid;
    while (held_bytes_ > capacity_ && !pieces_.empty()) {
        held_bytes_ -= pieces_.front().frames.size();
        spare_ = std::move(pieces_.front().frames);
        pieces_.pop_front();
    }
}

std::string EventJournal::frames_after(int64_t after_eid) const {
    std::string out;
    for (const Piece& piece : pieces_) {
        if (piece.last_eid <= after_eid) {
            continue;
        }
        out += frames_after_eid(piece.frames, piece.first_eid, after_eid);
    }
    return out;
}

std::string_view frames_after_eid(std::string_view frames, int64_t first_eid, int64_t after_eid) {
    std::size_t start = 0;
    for (int64_t eid = first_eid; eid <= after_eid && start < frames.size(); ++eid) {
        const std::size_t end = frames.find("\n\n", start);
        start = end == std::string_view::npos ? frames.size() : end + 2;
    }
    return frames.substr(start);
}

}  // namespace execd::http
