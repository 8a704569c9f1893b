#include "nft/audited_packet.hpp"

#include <netinet/in.h>

#include <algorithm>
#include <array>

namespace egress::nft {
namespace {

constexpr size_t kIpv4MinimumHeader = 20;
constexpr size_t kIpv6Header = 40;

bool carries_ports(uint8_t protocol) {
    return protocol == IPPROTO_TCP || protocol == IPPROTO_UDP || protocol == IPPROTO_SCTP ||
           protocol == IPPROTO_UDPLITE;
}

uint16_t destination_port(std::span<const uint8_t> packet, size_t transport_offset, uint8_t protocol) {
    if (!carries_ports(protocol) || packet.size() < transport_offset + 4) {
        return 0;
    }
    return static_cast<uint16_t>(packet[transport_offset + 2] << 8 | packet[transport_offset + 3]);
}

std::optional<AuditedConnection> read_ipv4(std::span<const uint8_t> packet, AuditedBy by) {
    const size_t header = static_cast<size_t>(packet[0] & 0x0f) * 4;
    if (packet.size() < kIpv4MinimumHeader || header < kIpv4MinimumHeader) {
        return std::nullopt;
    }
    std::array<uint8_t, 4> address{};
    std::copy_n(packet.begin() + 16, address.size(), address.begin());
    const uint8_t protocol = packet[9];
    const bool first_fragment = ((packet[6] & 0x1f) | packet[7]) == 0;
    return AuditedConnection{common::IpAddress::from_v4(address), protocol,
                             first_fragment ? destination_port(packet, header, protocol) : uint16_t{0}, by};
}

std::optional<AuditedConnection> read_ipv6(std::span<const uint8_t> packet, AuditedBy by) {
    if (packet.size() < kIpv6Header) {
        return std::nullopt;
    }
    std::array<uint8_t, 16> address{};
    std::copy_n(packet.begin() + 24, address.size(), address.begin());
    const uint8_t protocol = packet[6];
    return AuditedConnection{common::IpAddress::from_v6(address), protocol,
                             destination_port(packet, kIpv6Header, protocol), by};
}

}  // namespace

std::optional<AuditedConnection> read_audited_packet(std::span<const uint8_t> packet, AuditedBy by) {
    if (packet.empty()) {
        return std::nullopt;
    }
    switch (packet[0] >> 4) {
        case 4:
            return read_ipv4(packet, by);
        case 6:
            return read_ipv6(packet, by);
        default:
            return std::nullopt;
    }
}

}  // namespace egress::nft
