#pragma once

#include <span>
#include <vector>

#include "common/ip_prefix.hpp"
#include "policy/rule.hpp"

namespace egress::policy {

// The address and CIDR rules of a policy, split for the nft interval sets. At that layer a
// packet matching any deny entry is dropped before any allow entry is consulted, so deny wins
// over allow whatever the rule order (unlike names, where the first matching rule wins).
struct StaticIpSets {
    std::vector<common::IpPrefix> allow_v4;
    std::vector<common::IpPrefix> allow_v6;
    std::vector<common::IpPrefix> deny_v4;
    std::vector<common::IpPrefix> deny_v6;

    bool operator==(const StaticIpSets&) const = default;
};

StaticIpSets build_static_ip_sets(std::span<const Rule> rules);

// Masks every prefix, sorts, removes duplicates and prefixes that another one in the set
// already covers; what an nft interval set accepts without overlap errors.
std::vector<common::IpPrefix> normalize_interval_set(std::vector<common::IpPrefix> prefixes);

}  // namespace egress::policy
