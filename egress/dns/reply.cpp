#include "dns/reply.hpp"

#include <ldns/ldns.h>

#include <array>
#include <stdexcept>
#include <string_view>

#include "dns/ldns_handles.hpp"

namespace egress::dns {
namespace {

constexpr uint16_t kReplyUdpSize = 1232;
constexpr std::string_view kBlockedText = "denied by sandbox egress policy";

void push_question(ldns_pkt* packet, const Query& query) {
    LdnsRr question(ldns_rr_new());
    ldns_rr_set_owner(question.get(), ldns_dname_new_frm_data(static_cast<uint16_t>(query.qname_wire.size()),
                                                              query.qname_wire.data()));
    ldns_rr_set_type(question.get(), static_cast<ldns_rr_type>(query.qtype));
    ldns_rr_set_class(question.get(), static_cast<ldns_rr_class>(query.qclass));
    ldns_rr_set_question(question.get(), true);
    ldns_pkt_push_rr(packet, LDNS_SECTION_QUESTION, question.release());
}

void add_blocked_extended_error(ldns_pkt* packet) {
    std::vector<uint8_t> data{static_cast<uint8_t>(kExtendedErrorBlocked >> 8),
                              static_cast<uint8_t>(kExtendedErrorBlocked & 0xFF)};
    data.insert(data.end(), kBlockedText.begin(), kBlockedText.end());
    ldns_edns_option_list* options = ldns_edns_option_list_new();
    ldns_edns_option_list_push(options, ldns_edns_new_from_data(LDNS_EDNS_EDE, data.size(), data.data()));
    ldns_pkt_set_edns_option_list(packet, options);
}

}  // namespace

std::vector<uint8_t> build_reply(const Query& query, ResponseCode code, bool blocked) {
    LdnsPacket packet(ldns_pkt_new());
    ldns_pkt_set_id(packet.get(), query.id);
    ldns_pkt_set_qr(packet.get(), true);
    ldns_pkt_set_opcode(packet.get(), static_cast<ldns_pkt_opcode>(query.opcode));
    ldns_pkt_set_rd(packet.get(), query.recursion_desired);
    ldns_pkt_set_cd(packet.get(), query.checking_disabled);
    ldns_pkt_set_rcode(packet.get(), static_cast<uint8_t>(code));
    if (!query.qname_wire.empty()) {
        push_question(packet.get(), query);
    }
    if (query.has_edns) {
        ldns_pkt_set_edns_udp_size(packet.get(), kReplyUdpSize);
        if (blocked) {
            add_blocked_extended_error(packet.get());
        }
    }
    uint8_t* wire = nullptr;
    size_t size = 0;
    if (ldns_pkt2wire(&wire, packet.get(), &size) != LDNS_STATUS_OK) {
        throw std::runtime_error("ldns could not encode a DNS reply");
    }
    LdnsWire owned(wire);
    return std::vector<uint8_t>(wire, wire + size);
}

}  // namespace egress::dns
