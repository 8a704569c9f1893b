#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace execd::pty {

// The last `capacity` bytes a session produced, addressed by their offset in everything it ever
// produced (a monotonic byte counter), so a client that reconnects can ask for what it missed.
class ReplayRing {
  public:
    static constexpr std::size_t kDefaultCapacity = 1024 * 1024;

    struct Slice {
        uint64_t start = 0;  // offset of bytes[0]
        std::string bytes;
    };

    explicit ReplayRing(std::size_t capacity = kDefaultCapacity);

    void append(std::string_view bytes);
    // Bytes produced so far (the offset the next byte will have).
    uint64_t total() const { return total_; }
    // Bytes [max(since, total - capacity), total); empty when since >= total.
    Slice read_from(uint64_t since) const;

  private:
    std::string buffer_;  // circular; byte at offset o lives at o % capacity
    uint64_t total_ = 0;
};

}  // namespace execd::pty
