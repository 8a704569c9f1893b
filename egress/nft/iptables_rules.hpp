#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/ip_address.hpp"

namespace egress::nft {

// One iptables/ip6tables rule, without the command and the operation: `match` is everything after
// the chain name ("-p", "udp", "--dport", "53", ..., "-j", "REDIRECT", ...).
struct IptablesRule {
    common::IpFamily family;  // v4: iptables, v6: ip6tables
    std::string table;        // "nat" or "raw"
    std::string chain;        // "OUTPUT" or "PREROUTING"
    std::vector<std::string> match;

    // "ip6tables -t nat OUTPUT -p udp --dport 53 ..." for messages.
    std::string describe() const;
    bool operator==(const IptablesRule&) const = default;
};

struct IptablesRedirectOptions {
    uint16_t proxy_port = 15353;
    uint32_t bypass_mark = 0x1;
    // Exempt resolvers: port-53 traffic to them is not redirected (as the nft nat chain does).
    std::vector<common::IpAddress> exempt_nameservers;
};

// The iptables equivalent of the nft chains dns_redirect, dns_upstream_notrack and
// dns_reply_notrack, for IPv4 and IPv6, in the order each chain must hold them:
//
//   nat OUTPUT       -d <exempt> -p udp|tcp --dport 53 -j RETURN
//                    -p udp|tcp --dport 53 -m mark ! --mark <mark> -j REDIRECT --to-ports <port>
//   raw OUTPUT       -p udp|tcp --dport 53 -m mark --mark <mark> -j CT --notrack
//   raw PREROUTING   -p udp|tcp --sport 53 -j CT --notrack
std::vector<IptablesRule> dns_redirect_rules(const IptablesRedirectOptions& options);

}  // namespace egress::nft
