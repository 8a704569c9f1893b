#include "harness/net_socket.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>

#include "harness/netns_scope.hpp"

namespace harness {

UniqueFd make_socket(const std::string& netns, int family, int type) {
    std::optional<NetnsScope> scope;
    if (!netns.empty()) {
        scope.emplace(netns);
    }
    UniqueFd fd(::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) {
        throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    }
    return fd;
}

UniqueFd make_bound_socket(const std::string& netns, const SocketAddress& address, int type) {
    UniqueFd fd = make_socket(netns, address.family(), type);
    const int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (address.family() == AF_INET6) {
        ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    }
    if (::bind(fd.get(), address.get(), address.length) < 0) {
        throw std::runtime_error("bind " + address.host() + ":" + std::to_string(address.port()) + ": " +
                                 std::strerror(errno));
    }
    if (type == SOCK_STREAM && ::listen(fd.get(), 128) < 0) {
        throw std::runtime_error(std::string("listen: ") + std::strerror(errno));
    }
    return fd;
}

uint16_t local_port(int fd) {
    SocketAddress address;
    address.length = sizeof address.storage;
    if (::getsockname(fd, address.get(), &address.length) < 0) {
        throw std::runtime_error(std::string("getsockname: ") + std::strerror(errno));
    }
    return address.port();
}

TcpUdpSockets bind_tcp_and_udp(const std::string& netns, const std::string& ip, uint16_t port) {
    // With port 0 the kernel picks a TCP port that may be taken for UDP; try a few.
    for (int attempt = 0;; ++attempt) {
        TcpUdpSockets sockets;
        sockets.tcp = make_bound_socket(netns, make_socket_address(ip, port), SOCK_STREAM);
        sockets.port = local_port(sockets.tcp.get());
        try {
            sockets.udp = make_bound_socket(netns, make_socket_address(ip, sockets.port), SOCK_DGRAM);
            return sockets;
        } catch (const std::runtime_error&) {
            if (port != 0 || attempt >= 10) {
                throw;
            }
        }
    }
}

}  // namespace harness
