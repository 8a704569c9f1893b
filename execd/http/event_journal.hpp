#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

namespace execd::http {

// The framed events of one execution, kept so that a client can resume after a dropped connection:
// the newest events up to `capacity` bytes, in eid order. Older pieces are given up whole once the
// capacity is passed. Not thread-safe: the owning stream uses it on its loop's thread.
class EventJournal {
  public:
    explicit EventJournal(std::size_t capacity) : capacity_(capacity) {}

    // Appends a copy of `frames`, the frames of the events first_eid..last_eid (each ends with
    // "\n\n"). Once the journal is full, the buffer of the piece it gives up takes the copy, so a
    // long stream allocates nothing more.
    void append(std::string_view frames, int64_t first_eid, int64_t last_eid);
    // The frames of every kept event whose eid is above `after_eid`.
    std::string frames_after(int64_t after_eid) const;

    // The first eid still kept (last_eid() + 1 when none is).
    int64_t first_kept_eid() const { return pieces_.empty() ? last_eid_ + 1 : pieces_.front().first_eid; }
    int64_t last_eid() const { return last_eid_; }
    std::size_t held_bytes() const { return held_bytes_; }
    std::size_t capacity() const { return capacity_; }

  private:
    struct Piece {
        std::string frames;
        int64_t first_eid;
        int64_t last_eid;
    };

    std::size_t capacity_;
    std::deque<Piece> pieces_;
    std::string spare_;  // the buffer of the last piece given up
    std::size_t held_bytes_ = 0;
    int64_t last_eid_ = 0;
};

// The part of `frames` (frames of consecutive events, the first with eid `first_eid`) after the
// frame of event `after_eid`. Frames end with "\n\n", which JSON text never contains unescaped.
std::string_view frames_after_eid(std::string_view frames, int64_t first_eid, int64_t after_eid);

}  // namespace execd::http
