#include "intercept/original_destination.hpp"

// clang-format off
#include <netinet/in.h>
// clang-format on
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <sys/socket.h>

namespace egress::intercept {

std::optional<common::IpEndpoint> original_destination(int socket_fd) {
    sockaddr_storage local{};
    socklen_t length = sizeof(local);
    if (getsockname(socket_fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) {
        return std::nullopt;
    }
    sockaddr_storage original{};
    length = sizeof(original);
    const bool v6 = local.ss_family == AF_INET6;
    const int result = v6 ? getsockopt(socket_fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST, &original, &length)
                          : getsockopt(socket_fd, SOL_IP, SO_ORIGINAL_DST, &original, &length);
    if (result != 0) {
        return std::nullopt;
    }
    auto destination =
        common::IpEndpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&original), length);
    if (!destination) {
        return std::nullopt;
    }
    // A connection made to the proxy's own address was never redirected.
    const auto here =
        common::IpEndpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&local), sizeof(local));
    if (here && *here == *destination) {
        return std::nullopt;
    }
    return destination;
}

}  // namespace egress::intercept
