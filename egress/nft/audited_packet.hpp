#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "common/ip_address.hpp"

namespace egress::nft {

// Which of the filter chain's would-deny rules let a connection through: an audit rule (audit_v4/6:
// `action: "audit"`, or the user's denies in audit mode) or the chain's end in audit mode.
enum class AuditedBy { rule, default_action };

// The first packet of a connection the address layer let through as would-deny.
struct AuditedConnection {
    common::IpAddress destination;
    uint8_t protocol = 0;  // IPPROTO_*
    uint16_t port = 0;     // TCP/UDP/SCTP destination port; 0 for other protocols
    AuditedBy by = AuditedBy::default_action;
};

// The log prefixes the chain's audit rules carry, so a record says which rule let it through.
inline constexpr std::string_view kAuditRulePrefix = "audit-rule";
inline constexpr std::string_view kAuditDefaultPrefix = "audit-default";
// How much of each packet is logged: the network header and the start of the transport header.
inline constexpr uint32_t kAuditedPacketBytes = 128;

// Reads the destination out of the start of an IPv4 or IPv6 packet (as logged: the network
// header first). nullopt when it is too short or not IP; an IPv6 packet whose next header is an
// extension header is reported without a port.
std::optional<AuditedConnection> read_audited_packet(std::span<const uint8_t> packet, AuditedBy by);

}  // namespace egress::nft
