#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/ip_address.hpp"
#include "policy/name_grant.hpp"

namespace egress::policy {

// A destination the address layer let through as would-deny, as the stats keep it: an address
// and, for TCP and UDP, the port (nullopt for other protocols).
struct AuditedDestination {
    common::IpAddress address;
    std::optional<ProtocolPort> port;

    bool operator==(const AuditedDestination&) const = default;
};

// "198.51.100.30 tcp/443", or the address alone without a port: the key a DenialTally keeps.
std::string tally_key(const AuditedDestination& destination);
// The inverse of tally_key(); nullopt for any other text.
std::optional<AuditedDestination> parse_tally_key(std::string_view key);

}  // namespace egress::policy
