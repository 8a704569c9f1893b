#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.hpp"
#include "common/ip_endpoint.hpp"

namespace egress::dns {

inline constexpr size_t kMaxResolvConfUpstreams = 10;

// OPENSANDBOX_EGRESS_DNS_UPSTREAM: comma-separated IP literals with optional ports
// ("10.0.0.2", "10.0.0.2:5353", "[fd00::2]:53"). Host names are rejected so the proxy never has to
// resolve its own upstream. Throws std::invalid_argument naming the bad entry.
std::vector<common::IpEndpoint> parse_upstream_list(std::string_view text);

// The nameserver addresses of a resolv.conf text, in file order; unparseable entries are skipped.
std::vector<common::IpAddress> nameservers_from_resolv_conf(std::string_view text);

// Upstreams from resolv.conf nameservers: non-loopback first, then loopback (such as a node-local
// cache); unspecified addresses dropped; duplicates removed; at most kMaxResolvConfUpstreams; port 53.
std::vector<common::IpEndpoint> upstreams_from_nameservers(const std::vector<common::IpAddress>& nameservers);

// OPENSANDBOX_EGRESS_NAMESERVER_EXEMPT: comma-separated single IPs. Entries that are not a single
// IP are returned in `rejected` so the caller can warn about them.
struct ExemptList {
    std::vector<common::IpAddress> addresses;
    std::vector<std::string> rejected;
};
ExemptList parse_exempt_list(std::string_view text);

}  // namespace egress::dns
