#pragma once

#include <cstdint>
#include <string_view>

#include "common/ip_address.hpp"

// Names in table `inet opensandbox`; kept from upstream so operators' scripts keep working.
namespace egress::nft::names {

inline constexpr std::string_view kTable = "opensandbox";
inline constexpr std::string_view kFilterChain = "egress";
inline constexpr std::string_view kNatChain = "dns_redirect";
inline constexpr std::string_view kUpstreamNotrackChain = "dns_upstream_notrack";
inline constexpr std::string_view kReplyNotrackChain = "dns_reply_notrack";
inline constexpr std::string_view kOwnTrafficChain = "own_traffic";
inline constexpr std::string_view kOwnListenersChain = "own_listeners";

inline constexpr std::string_view kAllowV4 = "allow_v4";
inline constexpr std::string_view kAllowV6 = "allow_v6";
inline constexpr std::string_view kDenyV4 = "deny_v4";
inline constexpr std::string_view kDenyV6 = "deny_v6";
inline constexpr std::string_view kDynAllowV4 = "dyn_allow_v4";
inline constexpr std::string_view kDynAllowV6 = "dyn_allow_v6";
inline constexpr std::string_view kPortAllowV4 = "port_allow_v4";
inline constexpr std::string_view kPortAllowV6 = "port_allow_v6";
inline constexpr std::string_view kPortDenyV4 = "port_deny_v4";
inline constexpr std::string_view kPortDenyV6 = "port_deny_v6";
inline constexpr std::string_view kDynPortAllowV4 = "dyn_port_allow_v4";
inline constexpr std::string_view kDynPortAllowV6 = "dyn_port_allow_v6";
// Learned addresses traffic went to lately (the datapath marks them; egress renews their elements).
inline constexpr std::string_view kDynSeenV4 = "dyn_seen_v4";
inline constexpr std::string_view kDynSeenV6 = "dyn_seen_v6";
inline constexpr std::string_view kAuditV4 = "audit_v4";
inline constexpr std::string_view kAuditV6 = "audit_v6";
inline constexpr std::string_view kDohBlockV4 = "doh_block_v4";
inline constexpr std::string_view kDohBlockV6 = "doh_block_v6";
inline constexpr std::string_view kNameserverV4 = "nameserver_v4";
inline constexpr std::string_view kNameserverV6 = "nameserver_v6";

// The conntrack mark bit of a connection whose destination a policy change revoked: the filter
// chain drops its packets before it accepts established ones.
inline constexpr uint32_t kRevokedConnectionMark = 0x40000000;

inline std::string_view dyn_allow(common::IpFamily family) {
    return family == common::IpFamily::v4 ? kDynAllowV4 : kDynAllowV6;
}

inline std::string_view dyn_port_allow(common::IpFamily family) {
    return family == common::IpFamily::v4 ? kDynPortAllowV4 : kDynPortAllowV6;
}

inline std::string_view dyn_seen(common::IpFamily family) {
    return family == common::IpFamily::v4 ? kDynSeenV4 : kDynSeenV6;
}

}  // namespace egress::nft::names
