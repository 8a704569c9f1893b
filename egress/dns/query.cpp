#include "dns/query.hpp"

#include <ldns/ldns.h>

#include <algorithm>

#include "dns/ldns_handles.hpp"

namespace egress::dns {
namespace {

constexpr size_t kHeaderSize = 12;
constexpr uint8_t kQrBit = 0x80;
constexpr uint8_t kOpcodeQuery = 0;

uint16_t read_u16(std::span<const uint8_t> wire, size_t offset) {
    return static_cast<uint16_t>(wire[offset] << 8 | wire[offset + 1]);
}

// Builds Query::policy_name from an uncompressed wire name (length-prefixed labels).
std::string policy_name_from_wire(std::span<const uint8_t> name) {
    std::string out;
    out.reserve(name.size());
    size_t offset = 0;
    while (offset < name.size() && name[offset] != 0) {
        const size_t label_length = name[offset++];
        if (!out.empty()) {
            out.push_back('.');
        }
        for (size_t i = 0; i < label_length && offset < name.size(); ++i, ++offset) {
            const auto byte = static_cast<char>(name[offset]);
            if (byte >= 'A' && byte <= 'Z') {
                out.push_back(static_cast<char>(byte - 'A' + 'a'));
            } else {
                out.push_back(byte == '.' ? '/' : byte);
            }
        }
    }
    return out;
}

// Header-level checks that need no full parse. Returns false when the packet must be ignored.
bool read_header(std::span<const uint8_t> wire, Query& query) {
    if (wire.size() < kHeaderSize || (wire[2] & kQrBit) != 0) {
        return false;
    }
    query.id = read_u16(wire, 0);
    query.opcode = static_cast<uint8_t>((wire[2] >> 3) & 0x0F);
    query.recursion_desired = (wire[2] & 0x01) != 0;
    query.checking_disabled = (wire[3] & 0x10) != 0;
    return true;
}

// Section counts a plain query can carry: one question, at most one answer or authority record,
// and at most two additional records (OPT and TSIG), as common resolvers accept.
bool has_query_shaped_counts(std::span<const uint8_t> wire) {
    return read_u16(wire, 4) == 1 && read_u16(wire, 6) <= 1 && read_u16(wire, 8) <= 1 &&
           read_u16(wire, 10) <= 2;
}

void read_question(ldns_pkt* packet, Query& query) {
    const ldns_rr* question = ldns_rr_list_rr(ldns_pkt_question(packet), 0);
    const ldns_rdf* owner = ldns_rr_owner(question);
    const uint8_t* data = ldns_rdf_data(owner);
    query.qname_wire.assign(data, data + ldns_rdf_size(owner));
    query.policy_name = policy_name_from_wire(query.qname_wire);
    query.qtype = static_cast<uint16_t>(ldns_rr_get_type(question));
    query.qclass = static_cast<uint16_t>(ldns_rr_get_class(question));
    query.has_edns = ldns_pkt_edns(packet);
    if (query.has_edns) {
        query.udp_reply_limit = std::max<uint16_t>(512, ldns_pkt_edns_udp_size(packet));
    }
}

}  // namespace

Query parse_query(std::span<const uint8_t> wire) {
    Query query;
    if (!read_header(wire, query)) {
        return query;
    }
    if (query.opcode != kOpcodeQuery) {
        query.verdict = QueryVerdict::not_implemented;
        return query;
    }
    query.verdict = QueryVerdict::form_error;
    if (!has_query_shaped_counts(wire)) {
        return query;
    }
    ldns_pkt* raw = nullptr;
    if (ldns_wire2pkt(&raw, wire.data(), wire.size()) != LDNS_STATUS_OK) {
        return query;
    }
    LdnsPacket packet(raw);
    if (ldns_rr_list_rr_count(ldns_pkt_question(packet.get())) != 1) {
        return query;
    }
    read_question(packet.get(), query);
    query.verdict = QueryVerdict::decide;
    return query;
}

}  // namespace egress::dns
