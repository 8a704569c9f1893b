#pragma once

#include <span>
#include <vector>

#include "common/ip_prefix.hpp"
#include "policy/policy.hpp"
#include "policy/rule.hpp"

namespace egress::policy {

// A network on one port of one protocol: an element of the port-scoped interval sets.
struct PortedPrefix {
    common::IpPrefix prefix;
    Protocol protocol = Protocol::tcp;
    uint16_t port = 0;

    auto operator<=>(const PortedPrefix&) const = default;
};

// The address and CIDR rules of a policy, split for the nft interval sets. At that layer a
// packet matching any deny entry is dropped before any allow entry is consulted, so deny wins
// over allow whatever the rule order (unlike names, where the first matching rule wins). Rules
// limited to ports go to the ported sets only (a rule without a target covers every address).
struct StaticIpSets {
    std::vector<common::IpPrefix> allow_v4;
    std::vector<common::IpPrefix> allow_v6;
    std::vector<common::IpPrefix> deny_v4;
    std::vector<common::IpPrefix> deny_v6;
    std::vector<PortedPrefix> ported_allow;  // both families, without overlaps
    std::vector<PortedPrefix> ported_deny;
    // Let through but counted as would-deny: audit rules, and in audit mode the user's denies.
    std::vector<common::IpPrefix> audit_v4;
    std::vector<common::IpPrefix> audit_v6;

    bool operator==(const StaticIpSets&) const = default;
};

// rules: an effective policy's, whose first always_deny_count rules are deny.always (never audited).
StaticIpSets build_static_ip_sets(std::span<const Rule> rules,
                                  EnforcementMode mode = EnforcementMode::enforce,
                                  size_t always_deny_count = 0);

// Masks every prefix, sorts, removes duplicates and prefixes that another one in the set
// already covers; what an nft interval set accepts without overlap errors.
std::vector<common::IpPrefix> normalize_interval_set(std::vector<common::IpPrefix> prefixes);

}  // namespace egress::policy
