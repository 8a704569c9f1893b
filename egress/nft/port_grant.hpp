#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "common/ip_address.hpp"
#include "common/ip_prefix.hpp"

namespace egress::nft {

// A transport protocol (IPPROTO_TCP or IPPROTO_UDP) and a destination port.
struct L4Port {
    uint8_t protocol = 0;
    uint16_t port = 0;

    auto operator<=>(const L4Port&) const = default;
};

// A network opened (or closed) on one port only: an element of the port_* interval sets.
struct PortedPrefix {
    common::IpPrefix prefix;
    L4Port port;

    auto operator<=>(const PortedPrefix&) const = default;
};

// A learned address on one port: an element of the dyn_port_allow sets.
struct PortedAddress {
    common::IpAddress address;
    L4Port port;

    auto operator<=>(const PortedAddress&) const = default;
};

// What the addresses learned for an allowed name are opened for: every port (dyn_allow) or the
// listed ones (dyn_port_allow).
struct PortGrant {
    bool every_port = true;
    std::vector<L4Port> ports;  // sorted, distinct; empty when every_port

    bool operator==(const PortGrant&) const = default;
};

// The grant the policy in force gives a name; nullptr when it denies the name. The grant lives as
// long as the lookup does (no copy, no allocation on the DNS path).
using NameGrantLookup = std::function<const PortGrant*(std::string_view name)>;

// A grant of every port, for lookups that need one.
const PortGrant& every_port();

}  // namespace egress::nft
