#include "common/ip_prefix.hpp"

#include <array>
#include <charconv>
#include <stdexcept>

namespace common {
namespace {

std::optional<int> parse_prefix_length(std::string_view digits) {
    if (digits.empty() || digits.size() > 3 || (digits.size() > 1 && digits[0] == '0')) {
        return std::nullopt;
    }
    unsigned value = 0;
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (error != std::errc() || end != digits.data() + digits.size()) {
        return std::nullopt;
    }
    return static_cast<int>(value);
}

// Whether the first `length` bits of a and b agree; both spans have the same size.
bool same_leading_bits(std::span<const uint8_t> a, std::span<const uint8_t> b, int length) {
    const size_t full_bytes = static_cast<size_t>(length / 8);
    for (size_t i = 0; i < full_bytes; ++i) {
        if (a[i] != b[i]) {
            return false;
        }
    }
    const int rest = length % 8;
    if (rest == 0) {
        return true;
    }
    const auto mask = static_cast<uint8_t>(0xFF << (8 - rest));
    return (a[full_bytes] & mask) == (b[full_bytes] & mask);
}

}  // namespace

IpPrefix::IpPrefix(const IpAddress& address, int length) : address_(address), length_(length) {
    if (length < 0 || length > address.bit_length()) {
        throw std::invalid_argument("prefix length " + std::to_string(length) + " out of range for " +
                                    address.to_string());
    }
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view text) {
    const size_t slash = text.find('/');
    if (slash == std::string_view::npos) {
        return std::nullopt;
    }
    auto address = IpAddress::parse(text.substr(0, slash));
    auto length = parse_prefix_length(text.substr(slash + 1));
    if (!address || !length || *length > address->bit_length()) {
        return std::nullopt;
    }
    return IpPrefix(*address, *length);
}

IpPrefix IpPrefix::parse_or_throw(std::string_view text) {
    const std::string quoted = "\"" + std::string(text) + "\"";
    const size_t slash = text.find('/');
    if (slash == std::string_view::npos) {
        throw std::invalid_argument("invalid CIDR " + quoted + ": missing /length");
    }
    auto address = IpAddress::parse(text.substr(0, slash));
    if (!address) {
        throw std::invalid_argument("invalid CIDR " + quoted + ": bad address");
    }
    auto length = parse_prefix_length(text.substr(slash + 1));
    if (!length || *length > address->bit_length()) {
        throw std::invalid_argument("invalid CIDR " + quoted + ": prefix length must be 0-" +
                                    std::to_string(address->bit_length()));
    }
    return IpPrefix(*address, *length);
}

IpPrefix IpPrefix::host(const IpAddress& address) {
    return IpPrefix(address, address.bit_length());
}

IpPrefix IpPrefix::masked() const {
    std::array<uint8_t, 16> bytes{};
    auto source = address_.bytes();
    for (size_t i = 0; i < source.size(); ++i) {
        const int bits_left = length_ - static_cast<int>(i) * 8;
        if (bits_left >= 8) {
            bytes[i] = source[i];
        } else if (bits_left > 0) {
            bytes[i] = static_cast<uint8_t>(source[i] & (0xFF << (8 - bits_left)));
        }
    }
    if (address_.is_v4()) {
        return IpPrefix(IpAddress::from_v4({bytes[0], bytes[1], bytes[2], bytes[3]}), length_);
    }
    return IpPrefix(IpAddress::from_v6(bytes), length_);
}

bool IpPrefix::contains(const IpAddress& address) const {
    return address.family() == family() && same_leading_bits(address_.bytes(), address.bytes(), length_);
}

bool IpPrefix::contains(const IpPrefix& other) const {
    return other.family() == family() && other.length_ >= length_ && contains(other.address_);
}

std::string IpPrefix::to_string() const {
    return address_.to_string() + "/" + std::to_string(length_);
}

std::string IpPrefix::to_compact_string() const {
    return is_host() ? address_.to_string() : to_string();
}

}  // namespace common
