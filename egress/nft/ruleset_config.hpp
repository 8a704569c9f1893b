#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/ip_address.hpp"
#include "common/ip_prefix.hpp"
#include "nft/port_grant.hpp"

namespace egress::nft {

enum class DefaultAction { allow, deny };

// What gets installed: `dns` only redirects DNS to the proxy and stops DNS that bypasses it;
// `dns_and_nft` also enforces the IP policy (filter chain with the allow/deny/dyn sets).
enum class EnforcementMode { dns, dns_and_nft };

// The IP/CIDR rules of a policy. Deny wins over allow at this layer, whatever the rule order and
// whatever the ports a rule is limited to.
struct PrefixSets {
    std::vector<common::IpPrefix> allow_v4;
    std::vector<common::IpPrefix> allow_v6;
    std::vector<common::IpPrefix> deny_v4;
    std::vector<common::IpPrefix> deny_v6;
    // Rules limited to ports, both families; without overlaps for one port.
    std::vector<PortedPrefix> ported_allow;
    std::vector<PortedPrefix> ported_deny;
    // Let through and counted as would-deny (audit rules; the user's denies in audit mode).
    std::vector<common::IpPrefix> audit_v4;
    std::vector<common::IpPrefix> audit_v6;
    bool operator==(const PrefixSets&) const = default;
};

// OPENSANDBOX_EGRESS_BLOCK_DOH_443 / OPENSANDBOX_EGRESS_DOH_BLOCKLIST.
struct DohBlocking {
    bool block_443 = false;
    // Empty with block_443: every TCP 443 is dropped (upstream's behaviour).
    std::vector<common::IpPrefix> blocklist;
};

// Everything a policy change may replace; applied incrementally without touching learned IPs.
struct FilterPolicy {
    DefaultAction default_action = DefaultAction::deny;
    // Audit mode: what the default would drop is let through and counted instead.
    bool audit = false;
    PrefixSets prefixes;
    // Resolvers the proxy queries without the bypass mark (upstream's "nameserver exempt" list):
    // port-53 traffic to them is neither redirected nor dropped, and allowed on port 53 only.
    std::vector<common::IpAddress> nameservers;
    DohBlocking doh;
};

// The v2 cgroup egress runs in, when it has one of its own (its container's): egress's traffic is
// told apart by the cgroup of its sockets, which a workload cannot change, rather than by a mark,
// which CAP_NET_RAW lets any process set.
struct OwnCgroup {
    uint64_t id = 0;               // the cgroup's id: the inode number of its directory
    std::vector<uint32_t> levels;  // its possible depths in the hierarchy (one when known)
    bool operator==(const OwnCgroup&) const = default;
};

// The credential proxy's redirect: the workload's TCP to these ports goes to the proxy on
// loopback; the proxy's own connections onward carry `mark` and are judged by the filter chain
// like the workload's.
struct InterceptRedirect {
    uint16_t proxy_port = 18082;
    std::vector<uint16_t> ports = {80, 443};
    uint32_t mark = 0x2;
    bool operator==(const InterceptRedirect&) const = default;
};

// Fixed for the life of the process.
struct RulesetOptions {
    EnforcementMode mode = EnforcementMode::dns_and_nft;
    uint16_t proxy_port = 15353;
    uint32_t bypass_mark = 0x1;
    // When set, the mark is the firewall's own word: cleared on every packet that carries it, then
    // put back on the packets of egress's sockets, before anything else looks at it.
    std::optional<OwnCgroup> own_cgroup;
    // The TCP ports of the policy API and the health probes: with own_cgroup, like the proxy's
    // port, only egress's sockets may receive on them, even while egress is down.
    std::vector<uint16_t> http_ports;
    bool block_dot = true;
    // Default element timeout of the dyn_allow sets (each element carries its own).
    std::chrono::seconds dynamic_set_timeout{360};
    // How long a packet's mark of a learned address lasts in dyn_seen (each packet restarts it):
    // longer than the interval at which egress reads the marks to renew what is in use.
    std::chrono::seconds seen_window{30};
    // Install the nat redirect chain (false when iptables does the redirect instead).
    bool nat_redirect = true;
    // Only with nat_redirect.
    std::optional<InterceptRedirect> intercept;
    // The NFLOG group the would-deny rules log each connection's first packet to; unset: counted
    // only. Set only once a reader has bound the group (so the kernel's NFLOG support is there).
    std::optional<uint16_t> audit_log_group;
};

}  // namespace egress::nft
