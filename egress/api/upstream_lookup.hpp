#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/ip_address.hpp"
#include "common/ip_endpoint.hpp"

namespace egress::api {

// How the sidecar resolves names for its own connections (the webhook): straight at the DNS
// upstreams with marked sockets, so neither the redirect nor the user's policy applies and no
// deny event is raised about the sidecar's own lookups. /etc/hosts and resolv.conf's search list
// apply as for any resolver.
struct UpstreamLookupSettings {
    std::vector<common::IpEndpoint> servers;
    uint32_t socket_mark = 0x1;  // 0: unmarked
    std::chrono::milliseconds timeout{2000};
};

// The name's addresses (IPv4 first), or the address itself for a literal. Blocks up to the
// timeout per server; throws std::runtime_error with c-ares' reason when nothing was found.
std::vector<common::IpAddress> lookup_addresses(const std::string& name,
                                                const UpstreamLookupSettings& settings);

}  // namespace egress::api
