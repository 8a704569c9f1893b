#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace egress::dns {

// A bounds-checked cursor over one DNS message. Every read either succeeds and advances, or
// fails and leaves the position alone; nothing is copied or allocated.
class WireReader {
  public:
    explicit WireReader(std::span<const uint8_t> message) : message_(message) {}

    std::span<const uint8_t> message() const { return message_; }
    size_t position() const { return position_; }
    size_t remaining() const { return message_.size() - position_; }

    bool read_u8(uint8_t& value) {
        if (remaining() < 1) {
            return false;
        }
        value = message_[position_++];
        return true;
    }

    bool read_u16(uint16_t& value) {
        if (remaining() < 2) {
            return false;
        }
        value = static_cast<uint16_t>(message_[position_] << 8 | message_[position_ + 1]);
        position_ += 2;
        return true;
    }

    bool read_u32(uint32_t& value) {
        uint16_t high = 0;
        uint16_t low = 0;
        if (remaining() < 4) {
            return false;
        }
        read_u16(high);
        read_u16(low);
        value = static_cast<uint32_t>(high) << 16 | low;
        return true;
    }

    bool read_bytes(size_t count, std::span<const uint8_t>& bytes) {
        if (remaining() < count) {
            return false;
        }
        bytes = message_.subspan(position_, count);
        position_ += count;
        return true;
    }

    bool skip(size_t count) {
        if (remaining() < count) {
            return false;
        }
        position_ += count;
        return true;
    }

    // Moves to `position` (at most the message's end); used to resume after a compressed name.
    bool seek(size_t position) {
        if (position > message_.size()) {
            return false;
        }
        position_ = position;
        return true;
    }

  private:
    std::span<const uint8_t> message_;
    size_t position_ = 0;
};

}  // namespace egress::dns
