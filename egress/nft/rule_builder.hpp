#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/ip_address.hpp"
#include "nft/netlink_objects.hpp"

namespace egress::nft {

// Builds one nf_tables rule from expressions, the way nft encodes the matching rule text
// (compare with `nft --debug=netlink add rule ...`). Matches load into register 1.
class RuleBuilder {
  public:
    RuleBuilder(std::string_view table, std::string_view chain);

    // meta nfproto ipv4|ipv6 — required before ip/ip6 payload matches in an inet chain.
    RuleBuilder& match_nfproto(common::IpFamily family);
    // meta l4proto <protocol> (IPPROTO_TCP, IPPROTO_UDP).
    RuleBuilder& match_l4proto(uint8_t protocol);
    // th dport <port>; needs a preceding l4proto match.
    RuleBuilder& match_destination_port(uint16_t port);
    // th sport <port>; needs a preceding l4proto match.
    RuleBuilder& match_source_port(uint16_t port);
    // meta nfproto ipv6 meta l4proto ipv6-icmp icmpv6 type <type>.
    RuleBuilder& match_icmpv6_type(uint8_t type);
    RuleBuilder& match_mark(uint32_t mark);
    // socket cgroupv2 level <level> <id>: the packet's socket is in cgroup `id` (a v2 cgroup's id,
    // the inode number of its directory) or below it, `id` being its ancestor at `level`.
    RuleBuilder& match_socket_cgroup(uint32_t level, uint64_t id);
    // tcp flags & (syn|ack) == syn: the first packet of a connection; needs a preceding TCP match.
    RuleBuilder& match_tcp_syn_only();
    // meta mark set <mark>.
    RuleBuilder& set_mark(uint32_t mark);
    RuleBuilder& match_output_interface(std::string_view name);
    // ct state & bits != 0 (NF_CT_STATE_BIT(...) values).
    RuleBuilder& match_ct_state_any(uint32_t state_bits);
    // ct mark & bits != 0.
    RuleBuilder& match_ct_mark_any(uint32_t bits);
    // ip daddr @set / ip6 daddr @set (includes the nfproto guard). set_id: the set is created in
    // the same transaction.
    RuleBuilder& match_destination_in_set(common::IpFamily family, std::string_view set_name,
                                          std::optional<uint32_t> set_id);
    // ip daddr . meta l4proto . th dport @set (ip6 for v6; includes the nfproto guard): the set's
    // key is `ipv4_addr . inet_proto . inet_service` (ipv6_addr for v6).
    RuleBuilder& match_destination_and_port_in_set(common::IpFamily family, std::string_view set_name,
                                                   std::optional<uint32_t> set_id);
    // ip daddr <address> / ip6 daddr <address> (includes the nfproto guard).
    RuleBuilder& match_destination(const common::IpAddress& address);
    // update @set { <register> }: adds the key in `source_register` to a set with timeouts, or
    // restarts its timeout (set flags timeout and dynamic).
    RuleBuilder& update_set(std::string_view set_name, std::optional<uint32_t> set_id,
                            uint32_t source_register);
    RuleBuilder& counter();
    // `log prefix "<prefix>" group <group> snaplen <snaplen>`: the packet's first bytes to NFLOG.
    RuleBuilder& log_to_group(uint16_t group, std::string_view prefix, uint32_t snaplen);
    // accept (NF_ACCEPT) or drop (NF_DROP).
    RuleBuilder& verdict(int verdict_code);
    // redirect to :port (nat chains only).
    RuleBuilder& redirect_to_port(uint16_t port);
    // notrack (chains at raw priority, before conntrack).
    RuleBuilder& notrack();

    RulePtr build() &&;

  private:
    void add(ExprPtr expression);
    void load_meta(uint32_t key, uint32_t destination_register);
    RuleBuilder& match_ct_bits_any(uint32_t key, uint32_t bits);
    void compare_equal(std::span<const uint8_t> data);
    void load_payload(uint32_t base, uint32_t offset, uint32_t length, uint32_t destination_register);
    void lookup(std::string_view set_name, std::optional<uint32_t> set_id, uint32_t source_register);
    void mask_register(std::span<const uint8_t> mask);  // at most 16 bytes
    void load_immediate(std::span<const uint8_t> data);

    RulePtr rule_;
};

}  // namespace egress::nft
