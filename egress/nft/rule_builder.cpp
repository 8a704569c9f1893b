#include "nft/rule_builder.hpp"

// clang-format off
// netinet/in.h must precede the linux/ uapi headers, which otherwise define in_addr themselves.
#include <netinet/in.h>
// clang-format on
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>

#include <algorithm>
#include <array>
#include <new>
#include <string>

namespace egress::nft {
namespace {

constexpr uint32_t kIpv4DestinationOffset = 16;
constexpr uint32_t kIpv6DestinationOffset = 24;
constexpr uint32_t kTransportSourcePortOffset = 0;
constexpr uint32_t kTransportDestinationPortOffset = 2;

ExprPtr make_expression(const char* name) {
    ExprPtr expression(nftnl_expr_alloc(name));
    if (!expression) {
        throw std::bad_alloc();
    }
    return expression;
}

std::span<const uint8_t> bytes_of(const auto& value) {
    return {reinterpret_cast<const uint8_t*>(&value), sizeof value};
}

}  // namespace

RuleBuilder::RuleBuilder(std::string_view table, std::string_view chain) : rule_(nftnl_rule_alloc()) {
    if (!rule_) {
        throw std::bad_alloc();
    }
    nftnl_rule_set_u32(rule_.get(), NFTNL_RULE_FAMILY, NFPROTO_INET);
    nftnl_rule_set_str(rule_.get(), NFTNL_RULE_TABLE, std::string(table).c_str());
    nftnl_rule_set_str(rule_.get(), NFTNL_RULE_CHAIN, std::string(chain).c_str());
}

void RuleBuilder::add(ExprPtr expression) {
    nftnl_rule_add_expr(rule_.get(), expression.release());
}

void RuleBuilder::load_meta(uint32_t key, uint32_t destination_register) {
    auto expression = make_expression("meta");
    nftnl_expr_set_u32(expression.get(), NFTNL_EXPR_META_KEY, key);
    nftnl_expr_set_u32(expression.get(), NFTNL_EXPR_META_DREG, destination_register);
    add(std::move(expression));
}

void RuleBuilder::compare_equal(std::span<const uint8_t> data) {
    auto expression = make_expression("cmp");
    nftnl_expr_set_u32(expression.get(), NFTNL_EXPR_CMP_SREG, NFT_REG_1);
    nftnl_expr_set_u32(expression.get(), NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
    nftnl_expr_set(expression.get(), NFTNL_EXPR_CMP_DATA, data.data(), static_cast<uint32_t>(data.size()));
    add(std::move(expression));
}

void RuleBuilder::load_payload(uint32_t base, uint32_t offset, uint32_t length,
                               uint32_t destination_register) {
    auto expression = make_expression("payload");
    nftnl_expr_set_u32(expression.get(), NFTNL_EXPR_PAYLOAD_BASE, base);
    nftnl_expr_set_u32(expression.get(), NFTNL_EXPR_PAYLOAD_OFFSET, offset);
    nftnl_expr_set_u32(expression.get(), NFTNL_EXPR_PAYLOAD_LEN, length);
    nftnl_expr_set_u32(expression.get(), NFTNL_EXPR_PAYLOAD_DREG, destination_register);
    add(std::move(expression));
}

// register 1 &= mask (the XOR part of nft's bitwise is zero).
void RuleBuilder::mask_register(std::span<const uint8_t> mask) {
    const std::array<uint8_t, 16> zeros{};
    auto bitwise = make_expression("bitwise");
    nftnl_expr_set_u32(bitwise.get(), NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
    nftnl_expr_set_u32(bitwise.get(), NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
    nftnl_expr_set_u32(bitwise.get(), NFTNL_EXPR_BITWISE_LEN, static_cast<uint32_t>(mask.size()));
    nftnl_expr_set(bitwise.get(), NFTNL_EXPR_BITWISE_MASK, mask.data(), static_cast<uint32_t>(mask.size()));
    nftnl_expr_set(bitwise.get(), NFTNL_EXPR_BITWISE_XOR, zeros.data(), static_cast<uint32_t>(mask.size()));
    add(std::move(bitwise));
}

void RuleBuilder::load_immediate(std::span<const uint8_t> data) {
    auto immediate = make_expression("immediate");
    nftnl_expr_set_u32(immediate.get(), NFTNL_EXPR_IMM_DREG, NFT_REG_1);
    nftnl_expr_set(immediate.get(), NFTNL_EXPR_IMM_DATA, data.data(), static_cast<uint32_t>(data.size()));
    add(std::move(immediate));
}

RuleBuilder& RuleBuilder::match_nfproto(common::IpFamily family) {
    load_meta(NFT_META_NFPROTO, NFT_REG_1);
    const uint8_t protocol = family == common::IpFamily::v4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
    compare_equal(bytes_of(protocol));
    return *this;
}

RuleBuilder& RuleBuilder::match_l4proto(uint8_t protocol) {
    load_meta(NFT_META_L4PROTO, NFT_REG_1);
    compare_equal(bytes_of(protocol));
    return *this;
}

RuleBuilder& RuleBuilder::match_destination_port(uint16_t port) {
    load_payload(NFT_PAYLOAD_TRANSPORT_HEADER, kTransportDestinationPortOffset, sizeof(uint16_t), NFT_REG_1);
    const uint16_t network_order = htons(port);
    compare_equal(bytes_of(network_order));
    return *this;
}

RuleBuilder& RuleBuilder::match_source_port(uint16_t port) {
    load_payload(NFT_PAYLOAD_TRANSPORT_HEADER, kTransportSourcePortOffset, sizeof(uint16_t), NFT_REG_1);
    const uint16_t network_order = htons(port);
    compare_equal(bytes_of(network_order));
    return *this;
}

RuleBuilder& RuleBuilder::match_icmpv6_type(uint8_t type) {
    match_nfproto(common::IpFamily::v6);
    match_l4proto(IPPROTO_ICMPV6);
    load_payload(NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, NFT_REG_1);
    compare_equal(bytes_of(type));
    return *this;
}

RuleBuilder& RuleBuilder::match_mark(uint32_t mark) {
    load_meta(NFT_META_MARK, NFT_REG_1);
    compare_equal(bytes_of(mark));
    return *this;
}

RuleBuilder& RuleBuilder::match_socket_cgroup(uint32_t level, uint64_t id) {
    auto socket = make_expression("socket");
    nftnl_expr_set_u32(socket.get(), NFTNL_EXPR_SOCKET_KEY, NFT_SOCKET_CGROUPV2);
    nftnl_expr_set_u32(socket.get(), NFTNL_EXPR_SOCKET_LEVEL, level);
    nftnl_expr_set_u32(socket.get(), NFTNL_EXPR_SOCKET_DREG, NFT_REG_1);
    add(std::move(socket));
    compare_equal(bytes_of(id));
    return *this;
}

RuleBuilder& RuleBuilder::match_tcp_syn_only() {
    constexpr uint32_t kTcpFlagsOffset = 13;
    constexpr uint8_t kSyn = 0x02;
    constexpr uint8_t kSynAndAck = 0x12;
    load_payload(NFT_PAYLOAD_TRANSPORT_HEADER, kTcpFlagsOffset, 1, NFT_REG_1);
    mask_register(bytes_of(kSynAndAck));
    compare_equal(bytes_of(kSyn));
    return *this;
}

RuleBuilder& RuleBuilder::set_mark(uint32_t mark) {
    load_immediate(bytes_of(mark));
    auto meta = make_expression("meta");
    nftnl_expr_set_u32(meta.get(), NFTNL_EXPR_META_KEY, NFT_META_MARK);
    nftnl_expr_set_u32(meta.get(), NFTNL_EXPR_META_SREG, NFT_REG_1);
    add(std::move(meta));
    return *this;
}

RuleBuilder& RuleBuilder::match_output_interface(std::string_view name) {
    load_meta(NFT_META_OIFNAME, NFT_REG_1);
    std::array<uint8_t, 16> padded{};  // IFNAMSIZ, zero padded like nft
    std::copy_n(name.begin(), std::min(name.size(), padded.size() - 1), padded.begin());
    compare_equal(padded);
    return *this;
}

RuleBuilder& RuleBuilder::match_ct_state_any(uint32_t state_bits) {
    return match_ct_bits_any(NFT_CT_STATE, state_bits);
}

RuleBuilder& RuleBuilder::match_ct_mark_any(uint32_t bits) {
    return match_ct_bits_any(NFT_CT_MARK, bits);
}

RuleBuilder& RuleBuilder::match_ct_bits_any(uint32_t key, uint32_t bits) {
    auto load = make_expression("ct");
    nftnl_expr_set_u32(load.get(), NFTNL_EXPR_CT_KEY, key);
    nftnl_expr_set_u32(load.get(), NFTNL_EXPR_CT_DREG, NFT_REG_1);
    add(std::move(load));
    mask_register(bytes_of(bits));
    const uint32_t zero = 0;
    auto compare = make_expression("cmp");
    nftnl_expr_set_u32(compare.get(), NFTNL_EXPR_CMP_SREG, NFT_REG_1);
    nftnl_expr_set_u32(compare.get(), NFTNL_EXPR_CMP_OP, NFT_CMP_NEQ);
    nftnl_expr_set(compare.get(), NFTNL_EXPR_CMP_DATA, &zero, sizeof zero);
    add(std::move(compare));
    return *this;
}

void RuleBuilder::lookup(std::string_view set_name, std::optional<uint32_t> set_id,
                         uint32_t source_register) {
    auto expression = make_expression("lookup");
    nftnl_expr_set_u32(expression.get(), NFTNL_EXPR_LOOKUP_SREG, source_register);
    nftnl_expr_set_str(expression.get(), NFTNL_EXPR_LOOKUP_SET, std::string(set_name).c_str());
    if (set_id) {
        nftnl_expr_set_u32(expression.get(), NFTNL_EXPR_LOOKUP_SET_ID, *set_id);
    }
    add(std::move(expression));
}

RuleBuilder& RuleBuilder::match_destination_in_set(common::IpFamily family, std::string_view set_name,
                                                   std::optional<uint32_t> set_id) {
    match_nfproto(family);
    const bool v4 = family == common::IpFamily::v4;
    load_payload(NFT_PAYLOAD_NETWORK_HEADER, v4 ? kIpv4DestinationOffset : kIpv6DestinationOffset,
                 v4 ? 4 : 16, NFT_REG_1);
    lookup(set_name, set_id, NFT_REG_1);
    return *this;
}

// A concatenation occupies consecutive 32-bit registers, one field after another, each field
// rounded up to whole registers (the kernel zero-pads the rest).
RuleBuilder& RuleBuilder::match_destination_and_port_in_set(common::IpFamily family,
                                                            std::string_view set_name,
                                                            std::optional<uint32_t> set_id) {
    match_nfproto(family);
    const bool v4 = family == common::IpFamily::v4;
    const uint32_t address_registers = v4 ? 1 : 4;
    load_payload(NFT_PAYLOAD_NETWORK_HEADER, v4 ? kIpv4DestinationOffset : kIpv6DestinationOffset,
                 v4 ? 4 : 16, NFT_REG32_00);
    load_meta(NFT_META_L4PROTO, NFT_REG32_00 + address_registers);
    load_payload(NFT_PAYLOAD_TRANSPORT_HEADER, kTransportDestinationPortOffset, sizeof(uint16_t),
                 NFT_REG32_00 + address_registers + 1);
    lookup(set_name, set_id, NFT_REG32_00);
    return *this;
}

RuleBuilder& RuleBuilder::match_destination(const common::IpAddress& address) {
    match_nfproto(address.family());
    const bool v4 = address.is_v4();
    load_payload(NFT_PAYLOAD_NETWORK_HEADER, v4 ? kIpv4DestinationOffset : kIpv6DestinationOffset,
                 v4 ? 4 : 16, NFT_REG_1);
    compare_equal(address.bytes());
    return *this;
}

RuleBuilder& RuleBuilder::update_set(std::string_view set_name, std::optional<uint32_t> set_id,
                                     uint32_t source_register) {
    auto expression = make_expression("dynset");
    nftnl_expr_set_u32(expression.get(), NFTNL_EXPR_DYNSET_OP, NFT_DYNSET_OP_UPDATE);
    nftnl_expr_set_u32(expression.get(), NFTNL_EXPR_DYNSET_SREG_KEY, source_register);
    nftnl_expr_set_str(expression.get(), NFTNL_EXPR_DYNSET_SET_NAME, std::string(set_name).c_str());
    if (set_id) {
        nftnl_expr_set_u32(expression.get(), NFTNL_EXPR_DYNSET_SET_ID, *set_id);
    }
    add(std::move(expression));
    return *this;
}

RuleBuilder& RuleBuilder::counter() {
    add(make_expression("counter"));
    return *this;
}

RuleBuilder& RuleBuilder::log_to_group(uint16_t group, std::string_view prefix, uint32_t snaplen) {
    auto expression = make_expression("log");
    nftnl_expr_set_u16(expression.get(), NFTNL_EXPR_LOG_GROUP, group);
    nftnl_expr_set_str(expression.get(), NFTNL_EXPR_LOG_PREFIX, std::string(prefix).c_str());
    nftnl_expr_set_u32(expression.get(), NFTNL_EXPR_LOG_SNAPLEN, snaplen);
    add(std::move(expression));
    return *this;
}

RuleBuilder& RuleBuilder::verdict(int verdict_code) {
    auto expression = make_expression("immediate");
    nftnl_expr_set_u32(expression.get(), NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
    nftnl_expr_set_u32(expression.get(), NFTNL_EXPR_IMM_VERDICT, static_cast<uint32_t>(verdict_code));
    add(std::move(expression));
    return *this;
}

RuleBuilder& RuleBuilder::redirect_to_port(uint16_t port) {
    const uint16_t network_order = htons(port);
    load_immediate(bytes_of(network_order));
    auto redirect = make_expression("redir");
    nftnl_expr_set_u32(redirect.get(), NFTNL_EXPR_REDIR_REG_PROTO_MIN, NFT_REG_1);
    nftnl_expr_set_u32(redirect.get(), NFTNL_EXPR_REDIR_FLAGS, NF_NAT_RANGE_PROTO_SPECIFIED);
    add(std::move(redirect));
    return *this;
}

RuleBuilder& RuleBuilder::notrack() {
    add(make_expression("notrack"));
    return *this;
}

RulePtr RuleBuilder::build() && {
    return std::move(rule_);
}

}  // namespace egress::nft
