#include "harness/socket_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>
#include <stdexcept>

namespace harness {

bool is_ipv6(std::string_view ip) {
    return ip.find(':') != std::string_view::npos;
}

SocketAddress make_socket_address(std::string_view ip, uint16_t port) {
    const std::string text(ip);
    SocketAddress address;
    if (is_ipv6(ip)) {
        auto* v6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        if (::inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1) {
            address.length = sizeof(sockaddr_in6);
            return address;
        }
    } else {
        auto* v4 = reinterpret_cast<sockaddr_in*>(&address.storage);
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        if (::inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
            address.length = sizeof(sockaddr_in);
            return address;
        }
    }
    throw std::invalid_argument("not a numeric IP address: '" + text + "'");
}

uint16_t SocketAddress::port() const {
    if (family() == AF_INET6) {
        return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
    }
    return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
}

std::string SocketAddress::host() const {
    char text[INET6_ADDRSTRLEN] = {};
    const void* raw =
        family() == AF_INET6
            ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr)
            : static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr);
    ::inet_ntop(family(), raw, text, sizeof text);
    return text;
}

std::pair<std::string, uint16_t> split_host_port(std::string_view text) {
    std::string_view host;
    std::string_view port;
    if (text.starts_with('[')) {
        const size_t close = text.find("]:");
        if (close == std::string_view::npos) {
            throw std::invalid_argument("expected [ipv6]:port, got '" + std::string(text) + "'");
        }
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        const size_t colon = text.rfind(':');
        if (colon == std::string_view::npos || is_ipv6(text.substr(0, colon))) {
            throw std::invalid_argument("expected ip:port, got '" + std::string(text) + "'");
        }
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value > 65535) {
        throw std::invalid_argument("bad port in '" + std::string(text) + "'");
    }
    make_socket_address(host, 0);  // validates the host part
    return {std::string(host), static_cast<uint16_t>(value)};
}

}  // namespace harness
