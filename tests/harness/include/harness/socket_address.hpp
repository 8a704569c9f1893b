#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace harness {

// An IPv4 or IPv6 address plus port, ready for bind()/connect().
struct SocketAddress {
    sockaddr_storage storage{};
    socklen_t length = 0;

    int family() const { return storage.ss_family; }
    const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
    sockaddr* get() { return reinterpret_cast<sockaddr*>(&storage); }
    uint16_t port() const;
    std::string host() const;
};

// Throws std::invalid_argument for anything that is not a numeric IPv4/IPv6 address.
SocketAddress make_socket_address(std::string_view ip, uint16_t port);

// "10.77.0.1:53" or "[fd77::1]:53". Throws std::invalid_argument.
std::pair<std::string, uint16_t> split_host_port(std::string_view text);

bool is_ipv6(std::string_view ip);

}  // namespace harness
