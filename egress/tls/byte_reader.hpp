#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace egress::tls {

// A cursor over untrusted bytes: every read checks what is left, and a failed read consumes
// nothing.
class ByteReader {
  public:
    explicit ByteReader(std::span<const uint8_t> bytes) : bytes_(bytes) {}

    bool empty() const { return bytes_.empty(); }

    std::optional<std::span<const uint8_t>> bytes(size_t count) {
        if (count > bytes_.size()) {
            return std::nullopt;
        }
        const std::span<const uint8_t> taken = bytes_.first(count);
        bytes_ = bytes_.subspan(count);
        return taken;
    }

    // A big-endian unsigned integer of width bytes (1 to 3).
    std::optional<uint32_t> number(size_t width) {
        const auto taken = bytes(width);
        if (!taken) {
            return std::nullopt;
        }
        uint32_t value = 0;
        for (const uint8_t byte : *taken) {
            value = value << 8 | byte;
        }
        return value;
    }

    std::optional<uint8_t> u8() { return narrowed<uint8_t>(number(1)); }
    std::optional<uint16_t> u16() { return narrowed<uint16_t>(number(2)); }

    // A TLS vector: a length of length_width bytes, then that many bytes.
    std::optional<std::span<const uint8_t>> vector(size_t length_width) {
        ByteReader attempt = *this;
        const auto length = attempt.number(length_width);
        if (!length) {
            return std::nullopt;
        }
        const auto contents = attempt.bytes(*length);
        if (contents) {
            *this = attempt;
        }
        return contents;
    }

  private:
    template <typename Narrow>
    static std::optional<Narrow> narrowed(std::optional<uint32_t> value) {
        return value ? std::optional<Narrow>(static_cast<Narrow>(*value)) : std::nullopt;
    }

    std::span<const uint8_t> bytes_;
};

}  // namespace egress::tls
