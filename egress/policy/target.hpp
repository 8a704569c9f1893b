#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/ip_prefix.hpp"

namespace egress::policy {

enum class TargetKind : uint8_t {
    domain,    // exact name: "example.com"
    wildcard,  // "*.example.com": every name below example.com, not the apex
    address,   // one IPv4 or IPv6 address
    cidr,      // an IPv4 or IPv6 network
    any,       // no target: every address (only in a rule limited to ports)
};

// A validated, normalised rule target.
struct Target {
    TargetKind kind = TargetKind::domain;
    // Normalised text: lowercase, no trailing dot; canonical address text; masked CIDR that keeps
    // the user's prefix length. This is the text stored, returned by GET and used as dedup key.
    std::string text;
    // The masked network for address (a host prefix) and cidr targets; empty for names.
    std::optional<common::IpPrefix> network;

    bool is_name() const { return kind == TargetKind::domain || kind == TargetKind::wildcard; }
    bool operator==(const Target&) const = default;
};

// Validates and normalises one target. Throws PolicyError:
//   "egress target cannot be empty", or "invalid target \"<raw>\": <reason>".
Target parse_target(std::string_view raw);

// The longest name accepted, without the trailing dot (RFC 1035 presentation limit).
inline constexpr size_t max_name_length = 253;

}  // namespace egress::policy
