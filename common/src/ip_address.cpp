#include "common/ip_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <stdexcept>

namespace common {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    // inet_pton needs a NUL-terminated string; addresses are short, so bound the copy.
    if (text.empty() || text.size() > INET6_ADDRSTRLEN) {
        return std::nullopt;
    }
    const std::string input(text);
    std::array<uint8_t, 16> bytes{};
    // glibc's inet_pton(AF_INET) accepts only the dotted quad and rejects leading zeros.
    if (inet_pton(AF_INET, input.c_str(), bytes.data()) == 1) {
        return IpAddress(IpFamily::v4, bytes);
    }
    if (inet_pton(AF_INET6, input.c_str(), bytes.data()) == 1) {
        return IpAddress(IpFamily::v6, bytes);
    }
    return std::nullopt;
}

IpAddress IpAddress::parse_or_throw(std::string_view text) {
    auto address = parse(text);
    if (!address) {
        throw std::invalid_argument("invalid IP address \"" + std::string(text) + "\"");
    }
    return *address;
}

IpAddress IpAddress::from_v4(const std::array<uint8_t, 4>& bytes) {
    std::array<uint8_t, 16> full{};
    std::copy(bytes.begin(), bytes.end(), full.begin());
    return IpAddress(IpFamily::v4, full);
}

IpAddress IpAddress::from_v6(const std::array<uint8_t, 16>& bytes) {
    return IpAddress(IpFamily::v6, bytes);
}

std::span<const uint8_t> IpAddress::bytes() const {
    return {bytes_.data(), is_v4() ? size_t{4} : size_t{16}};
}

bool IpAddress::is_loopback() const {
    if (is_v4()) {
        return bytes_[0] == 127;
    }
    static constexpr std::array<uint8_t, 16> kLoopbackV6{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return bytes_ == kLoopbackV6;
}

bool IpAddress::is_unspecified() const {
    auto all = bytes();
    return std::all_of(all.begin(), all.end(), [](uint8_t b) { return b == 0; });
}

std::string IpAddress::to_string() const {
    char text[INET6_ADDRSTRLEN] = {};
    inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes_.data(), text, sizeof text);
    return text;
}

}  // namespace common
