#include "common/ip_endpoint.hpp"

#include <netinet/in.h>

#include <charconv>
#include <cstring>
#include <stdexcept>

namespace common {
namespace {

std::optional<uint16_t> parse_port(std::string_view digits) {
    if (digits.empty() || digits.size() > 5) {
        return std::nullopt;
    }
    unsigned value = 0;
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (error != std::errc() || end != digits.data() + digits.size() || value == 0 || value > 65535) {
        return std::nullopt;
    }
    return static_cast<uint16_t>(value);
}

}  // namespace

std::optional<IpEndpoint> IpEndpoint::parse(std::string_view text, uint16_t default_port) {
    if (!text.empty() && text.front() == '[') {
        const size_t close = text.find(']');
        if (close == std::string_view::npos) {
            return std::nullopt;
        }
        auto address = IpAddress::parse(text.substr(1, close - 1));
        if (!address || !address->is_v6()) {
            return std::nullopt;
        }
        std::string_view rest = text.substr(close + 1);
        if (rest.empty()) {
            return IpEndpoint(*address, default_port);
        }
        auto port = rest.front() == ':' ? parse_port(rest.substr(1)) : std::nullopt;
        return port ? std::optional(IpEndpoint(*address, *port)) : std::nullopt;
    }
    if (auto bare = IpAddress::parse(text)) {
        return IpEndpoint(*bare, default_port);
    }
    // Only IPv4 may carry a port without brackets.
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        return std::nullopt;
    }
    auto address = IpAddress::parse(text.substr(0, colon));
    auto port = parse_port(text.substr(colon + 1));
    if (!address || !address->is_v4() || !port) {
        return std::nullopt;
    }
    return IpEndpoint(*address, *port);
}

IpEndpoint IpEndpoint::parse_or_throw(std::string_view text, uint16_t default_port) {
    auto endpoint = parse(text, default_port);
    if (!endpoint) {
        throw std::invalid_argument("invalid address \"" + std::string(text) +
                                    "\": expected an IP literal with an optional port, e.g. 10.0.0.2:53 or "
                                    "[fd00::2]:53");
    }
    return *endpoint;
}

std::optional<IpEndpoint> IpEndpoint::from_sockaddr(const sockaddr* address, socklen_t length) {
    if (address->sa_family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
        sockaddr_in v4{};
        std::memcpy(&v4, address, sizeof v4);
        std::array<uint8_t, 4> bytes{};
        std::memcpy(bytes.data(), &v4.sin_addr, 4);
        return IpEndpoint(IpAddress::from_v4(bytes), ntohs(v4.sin_port));
    }
    if (address->sa_family == AF_INET6 && length >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
        sockaddr_in6 v6{};
        std::memcpy(&v6, address, sizeof v6);
        std::array<uint8_t, 16> bytes{};
        std::memcpy(bytes.data(), &v6.sin6_addr, 16);
        return IpEndpoint(IpAddress::from_v6(bytes), ntohs(v6.sin6_port));
    }
    return std::nullopt;
}

socklen_t IpEndpoint::to_sockaddr(sockaddr_storage& storage) const {
    storage = {};
    if (address_.is_v4()) {
        sockaddr_in v4{};
        v4.sin_family = AF_INET;
        v4.sin_port = htons(port_);
        std::memcpy(&v4.sin_addr, address_.bytes().data(), 4);
        std::memcpy(&storage, &v4, sizeof v4);
        return sizeof v4;
    }
    sockaddr_in6 v6{};
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(port_);
    std::memcpy(&v6.sin6_addr, address_.bytes().data(), 16);
    std::memcpy(&storage, &v6, sizeof v6);
    return sizeof v6;
}

std::string IpEndpoint::to_string() const {
    const std::string host = address_.is_v4() ? address_.to_string() : "[" + address_.to_string() + "]";
    return host + ":" + std::to_string(port_);
}

}  // namespace common
