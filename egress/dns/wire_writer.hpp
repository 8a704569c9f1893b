#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace egress::dns {

// Appends big-endian fields to a caller-owned buffer. The caller sizes the buffer for the largest
// message it writes; a write that would not fit is a programming error and is dropped, leaving
// overflowed() set so tests can catch it.
class WireWriter {
  public:
    explicit WireWriter(std::span<uint8_t> buffer) : buffer_(buffer) {}

    size_t size() const { return size_; }
    bool overflowed() const { return overflowed_; }

    void put_u8(uint8_t value) { put_bytes(std::span<const uint8_t>(&value, 1)); }

    void put_u16(uint16_t value) {
        const uint8_t bytes[2] = {static_cast<uint8_t>(value >> 8), static_cast<uint8_t>(value)};
        put_bytes(bytes);
    }

    void put_u32(uint32_t value) {
        put_u16(static_cast<uint16_t>(value >> 16));
        put_u16(static_cast<uint16_t>(value));
    }

    void put_bytes(std::span<const uint8_t> bytes) {
        if (bytes.size() > buffer_.size() - size_) {
            overflowed_ = true;
            return;
        }
        if (!bytes.empty()) {
            std::memcpy(buffer_.data() + size_, bytes.data(), bytes.size());
        }
        size_ += bytes.size();
    }

  private:
    std::span<uint8_t> buffer_;
    size_t size_ = 0;
    bool overflowed_ = false;
};

}  // namespace egress::dns
