#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace common {

enum class IpFamily : uint8_t { v4, v6 };

// An IPv4 or IPv6 address. Parsing is strict: dotted-quad IPv4 without leading zeros,
// RFC 4291 IPv6 text without a zone. IPv4-mapped IPv6 (::ffff:a.b.c.d) stays IPv6.
class IpAddress {
  public:
    static std::optional<IpAddress> parse(std::string_view text);
    // Same as parse(), but throws std::invalid_argument with a message naming the input.
    static IpAddress parse_or_throw(std::string_view text);

    static IpAddress from_v4(const std::array<uint8_t, 4>& bytes);
    static IpAddress from_v6(const std::array<uint8_t, 16>& bytes);

    IpFamily family() const { return family_; }
    bool is_v4() const { return family_ == IpFamily::v4; }
    bool is_v6() const { return family_ == IpFamily::v6; }
    // 4 bytes for IPv4, 16 for IPv6, in network order.
    std::span<const uint8_t> bytes() const;
    int bit_length() const { return is_v4() ? 32 : 128; }

    bool is_loopback() const;
    bool is_unspecified() const;

    // Canonical text: dotted quad, or RFC 5952 for IPv6.
    std::string to_string() const;

    // Orders IPv4 before IPv6, then by bytes.
    auto operator<=>(const IpAddress&) const = default;
    bool operator==(const IpAddress&) const = default;

  private:
    IpAddress(IpFamily family, const std::array<uint8_t, 16>& bytes) : family_(family), bytes_(bytes) {}

    IpFamily family_ = IpFamily::v4;
    std::array<uint8_t, 16> bytes_{};  // IPv4 uses the first 4
};

}  // namespace common
