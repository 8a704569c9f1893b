#pragma once

#include <chrono>
#include <string>

#include "harness/socket_address.hpp"
#include "harness/unique_fd.hpp"

namespace harness {

// A non-blocking, close-on-exec socket created inside `netns` (empty: the caller's namespace).
UniqueFd make_socket(const std::string& netns, int family, int type);

// make_socket + SO_REUSEADDR + bind (+ listen for SOCK_STREAM). Throws on failure.
UniqueFd make_bound_socket(const std::string& netns, const SocketAddress& address, int type);

// The port a bound socket actually got (useful after binding port 0).
uint16_t local_port(int fd);

// A TCP listener and a UDP socket on the same address and port (port 0: a free one for both).
struct TcpUdpSockets {
    UniqueFd tcp;
    UniqueFd udp;
    uint16_t port = 0;
};
TcpUdpSockets bind_tcp_and_udp(const std::string& netns, const std::string& ip, uint16_t port);

}  // namespace harness
