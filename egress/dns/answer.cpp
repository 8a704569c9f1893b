#include "dns/answer.hpp"

#include <ldns/ldns.h>

#include <array>
#include <cstring>
#include <optional>

#include "dns/ldns_handles.hpp"

namespace egress::dns {
namespace {

std::optional<common::IpAddress> address_of(const ldns_rr* record) {
    const ldns_rdf* rdata = ldns_rr_rdf(record, 0);
    if (rdata == nullptr) {
        return std::nullopt;
    }
    const uint8_t* data = ldns_rdf_data(rdata);
    if (ldns_rr_get_type(record) == LDNS_RR_TYPE_A && ldns_rdf_size(rdata) == 4) {
        return common::IpAddress::from_v4({data[0], data[1], data[2], data[3]});
    }
    if (ldns_rr_get_type(record) == LDNS_RR_TYPE_AAAA && ldns_rdf_size(rdata) == 16) {
        std::array<uint8_t, 16> bytes{};
        std::memcpy(bytes.data(), data, bytes.size());
        return common::IpAddress::from_v6(bytes);
    }
    return std::nullopt;
}

}  // namespace

UpstreamAnswer read_answer(std::span<const uint8_t> wire) {
    UpstreamAnswer answer;
    ldns_pkt* raw = nullptr;
    if (ldns_wire2pkt(&raw, wire.data(), wire.size()) != LDNS_STATUS_OK) {
        return answer;
    }
    LdnsPacket packet(raw);
    answer.parsed = true;
    answer.rcode = static_cast<uint8_t>(ldns_pkt_get_rcode(packet.get()));
    answer.truncated = ldns_pkt_tc(packet.get());
    const ldns_rr_list* records = ldns_pkt_answer(packet.get());
    for (size_t i = 0; i < ldns_rr_list_rr_count(records); ++i) {
        const ldns_rr* record = ldns_rr_list_rr(records, i);
        if (auto address = address_of(record)) {
            answer.addresses.push_back({*address, ldns_rr_ttl(record)});
        }
    }
    return answer;
}

void set_message_id(std::span<uint8_t> wire, uint16_t id) {
    if (wire.size() >= 2) {
        wire[0] = static_cast<uint8_t>(id >> 8);
        wire[1] = static_cast<uint8_t>(id & 0xFF);
    }
}

}  // namespace egress::dns
