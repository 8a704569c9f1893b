#include "nft/audited_packet.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace egress::nft {
namespace {

std::vector<uint8_t> ipv4_packet(uint8_t protocol, std::array<uint8_t, 4> destination, uint16_t port) {
    std::vector<uint8_t> packet(40, 0);
    packet[0] = 0x45;  // version 4, 20-byte header
    packet[9] = protocol;
    std::copy(destination.begin(), destination.end(), packet.begin() + 16);
    packet[22] = static_cast<uint8_t>(port >> 8);
    packet[23] = static_cast<uint8_t>(port);
    return packet;
}

std::vector<uint8_t> ipv6_packet(uint8_t next_header, uint16_t port) {
    std::vector<uint8_t> packet(60, 0);
    packet[0] = 0x60;
    packet[6] = next_header;
    packet[24] = 0x20;  // 2001:db8::7
    packet[25] = 0x01;
    packet[26] = 0x0d;
    packet[27] = 0xb8;
    packet[39] = 0x07;
    packet[42] = static_cast<uint8_t>(port >> 8);
    packet[43] = static_cast<uint8_t>(port);
    return packet;
}

TEST(AuditedPacket, ReadsTheDestinationAndPortOfTcpAndUdp) {
    const auto tcp = read_audited_packet(ipv4_packet(IPPROTO_TCP, {198, 51, 100, 7}, 443), AuditedBy::rule);
    ASSERT_TRUE(tcp);
    EXPECT_EQ(tcp->destination.to_string(), "198.51.100.7");
    EXPECT_EQ(tcp->protocol, IPPROTO_TCP);
    EXPECT_EQ(tcp->port, 443);
    EXPECT_EQ(tcp->by, AuditedBy::rule);
    const auto udp = read_audited_packet(ipv6_packet(IPPROTO_UDP, 53), AuditedBy::default_action);
    ASSERT_TRUE(udp);
    EXPECT_EQ(udp->destination.to_string(), "2001:db8::7");
    EXPECT_EQ(udp->port, 53);
}

TEST(AuditedPacket, OtherProtocolsAndLaterFragmentsHaveNoPort) {
    EXPECT_EQ(read_audited_packet(ipv4_packet(IPPROTO_ICMP, {198, 51, 100, 7}, 443), AuditedBy::rule)->port,
              0);
    EXPECT_EQ(read_audited_packet(ipv6_packet(0 /* hop-by-hop options */, 443), AuditedBy::rule)->port, 0);
    auto fragment = ipv4_packet(IPPROTO_TCP, {198, 51, 100, 7}, 443);
    fragment[7] = 0x10;  // offset 16 * 8 bytes: the bytes after the header are not a TCP header
    EXPECT_EQ(read_audited_packet(fragment, AuditedBy::rule)->port, 0);
}

TEST(AuditedPacket, ShortOrMalformedPacketsAreRefused) {
    const auto whole = ipv4_packet(IPPROTO_TCP, {198, 51, 100, 7}, 443);
    EXPECT_FALSE(read_audited_packet({}, AuditedBy::rule));
    EXPECT_FALSE(read_audited_packet(std::span(whole).first(19), AuditedBy::rule));
    auto tiny_header = whole;
    tiny_header[0] = 0x44;  // a 16-byte IPv4 header cannot be
    EXPECT_FALSE(read_audited_packet(tiny_header, AuditedBy::rule));
    auto long_header = whole;
    long_header[0] = 0x4f;  // 60-byte header: the ports are past the logged bytes
    EXPECT_EQ(read_audited_packet(long_header, AuditedBy::rule)->port, 0);
    auto not_ip = whole;
    not_ip[0] = 0x55;
    EXPECT_FALSE(read_audited_packet(not_ip, AuditedBy::rule));
    const auto ipv6 = ipv6_packet(IPPROTO_TCP, 1);
    EXPECT_FALSE(read_audited_packet(std::span(ipv6).first(39), AuditedBy::rule));
    const auto header_only = read_audited_packet(std::span(whole).first(20), AuditedBy::rule);
    ASSERT_TRUE(header_only);
    EXPECT_EQ(header_only->port, 0);
}

}  // namespace
}  // namespace egress::nft
