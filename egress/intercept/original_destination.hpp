#pragma once

#include <optional>

#include "common/ip_endpoint.hpp"

namespace egress::intercept {

// Where a connection the nat chain redirected to the proxy was going (conntrack's original
// destination). nullopt for a connection that was not redirected: one made to the proxy's port
// directly.
std::optional<common::IpEndpoint> original_destination(int socket_fd);

}  // namespace egress::intercept
