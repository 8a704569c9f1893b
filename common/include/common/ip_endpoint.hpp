#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/ip_address.hpp"

namespace common {

// An IP address and a port: "1.2.3.4", "1.2.3.4:53", "::1", "[::1]", "[::1]:5353".
class IpEndpoint {
  public:
    IpEndpoint(const IpAddress& address, uint16_t port) : address_(address), port_(port) {}

    // A missing port takes default_port. Host names are rejected: only literal addresses.
    static std::optional<IpEndpoint> parse(std::string_view text, uint16_t default_port);
    static IpEndpoint parse_or_throw(std::string_view text, uint16_t default_port);
    static std::optional<IpEndpoint> from_sockaddr(const sockaddr* address, socklen_t length);

    const IpAddress& address() const { return address_; }
    uint16_t port() const { return port_; }

    // Fills storage and returns the length to pass to bind/connect/sendto.
    socklen_t to_sockaddr(sockaddr_storage& storage) const;
    // "1.2.3.4:53" or "[::1]:53".
    std::string to_string() const;

    bool operator==(const IpEndpoint&) const = default;

  private:
    IpAddress address_;
    uint16_t port_;
};

}  // namespace common
