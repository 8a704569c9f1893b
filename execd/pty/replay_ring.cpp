#include "pty/replay_ring.hpp"

#include <algorithm>

namespace execd::pty {

ReplayRing::ReplayRing(std::size_t capacity) : buffer_(std::max<std::size_t>(capacity, 1), '\0') {}

void ReplayRing::append(std::string_view bytes) {
    const std::size_t capacity = buffer_.size();
    if (bytes.size() > capacity) {
        total_ += bytes.size() - capacity;
        bytes.remove_prefix(bytes.size() - capacity);
    }
    const std::size_t position = static_cast<std::size_t>(total_ % capacity);
    const std::size_t first = std::min(bytes.size(), capacity - position);
    buffer_.replace(position, first, bytes.substr(0, first));
    buffer_.replace(0, bytes.size() - first, bytes.substr(first));
    total_ += bytes.size();
}

ReplayRing::Slice ReplayRing::read_from(uint64_t since) const {
    const std::size_t capacity = buffer_.size();
    const uint64_t oldest = total_ > capacity ? total_ - capacity : 0;
    Slice slice;
    slice.start = std::max(since, oldest);
    if (slice.start >= total_) {
        slice.start = total_;
        return slice;
    }
    const std::size_t length = static_cast<std::size_t>(total_ - slice.start);
    const std::size_t position = static_cast<std::size_t>(slice.start % capacity);
    const std::size_t first = std::min(length, capacity - position);
    slice.bytes.reserve(length);
    slice.bytes.append(buffer_, position, first);
    slice.bytes.append(buffer_, 0, length - first);
    return slice;
}

}  // namespace execd::pty
