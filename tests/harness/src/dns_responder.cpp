#include "harness/dns_responder.hpp"

#include "ldns_handles.hpp"

namespace harness {
namespace {

constexpr int kMaxCnameHops = 8;
constexpr uint16_t kEdnsUdpSize = 1232;

ldns_rr_type ldns_type_of(DnsRecordType type) {
    switch (type) {
        case DnsRecordType::a:
            return LDNS_RR_TYPE_A;
        case DnsRecordType::aaaa:
            return LDNS_RR_TYPE_AAAA;
        case DnsRecordType::cname:
            return LDNS_RR_TYPE_CNAME;
    }
    return LDNS_RR_TYPE_NULL;
}

ldns_rdf* rdata_of(const DnsRecord& record) {
    switch (record.type) {
        case DnsRecordType::a:
            return ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A, record.value.c_str());
        case DnsRecordType::aaaa:
            return ldns_rdf_new_frm_str(LDNS_RDF_TYPE_AAAA, record.value.c_str());
        case DnsRecordType::cname:
            return ldns_dname_new_frm_str(record.value.c_str());
    }
    return nullptr;
}

// The owner of the first hop is the question's own rdf so the client sees its spelling back.
void push_answer(ldns_pkt* response, const ldns_rdf* owner, const DnsRecord& record, uint32_t ttl) {
    ldns::RrPtr rr(ldns_rr_new());
    ldns_rr_set_owner(rr.get(), ldns_rdf_clone(owner));
    ldns_rr_set_type(rr.get(), ldns_type_of(record.type));
    ldns_rr_set_class(rr.get(), LDNS_RR_CLASS_IN);
    ldns_rr_set_ttl(rr.get(), ttl);
    ldns_rr_push_rdf(rr.get(), rdata_of(record));
    ldns_pkt_push_rr(response, LDNS_SECTION_ANSWER, rr.release());
}

const DnsRecord* find_cname(const std::vector<DnsRecord>& records) {
    for (const auto& record : records) {
        if (record.type == DnsRecordType::cname) {
            return &record;
        }
    }
    return nullptr;
}

// Fills the answer section, following CNAMEs; returns the rcode.
ldns_pkt_rcode resolve(ldns_pkt* response, const ldns_rdf* qname, ldns_rr_type qtype, const DnsZone& zone,
                       uint32_t ttl) {
    ldns::RdfPtr owner(ldns_rdf_clone(qname));
    for (int hop = 0; hop < kMaxCnameHops; ++hop) {
        const auto* records = zone.find(ldns::rdf_text(owner.get()));
        if (records == nullptr) {
            return LDNS_RCODE_NXDOMAIN;
        }
        const DnsRecord* cname = find_cname(*records);
        if (cname != nullptr && qtype != LDNS_RR_TYPE_CNAME) {
            push_answer(response, owner.get(), *cname, ttl);
            owner.reset(ldns_dname_new_frm_str(cname->value.c_str()));
            continue;
        }
        for (const auto& record : *records) {
            if (ldns_type_of(record.type) == qtype) {
                push_answer(response, owner.get(), record, ttl);
            }
        }
        return LDNS_RCODE_NOERROR;
    }
    return LDNS_RCODE_SERVFAIL;  // CNAME loop
}

ldns::PacketPtr response_skeleton(const ldns_pkt* query) {
    ldns::PacketPtr response(ldns_pkt_new());
    ldns_pkt_set_id(response.get(), ldns_pkt_id(query));
    ldns_pkt_set_opcode(response.get(), ldns_pkt_get_opcode(query));
    ldns_pkt_set_qr(response.get(), true);
    ldns_pkt_set_aa(response.get(), true);
    ldns_pkt_set_rd(response.get(), ldns_pkt_rd(query));
    ldns_pkt_set_ra(response.get(), true);
    const ldns_rr_list* questions = ldns_pkt_question(query);
    for (size_t i = 0; i < ldns_rr_list_rr_count(questions); ++i) {
        ldns_pkt_push_rr(response.get(), LDNS_SECTION_QUESTION, ldns_rr_clone(ldns_rr_list_rr(questions, i)));
    }
    if (ldns_pkt_edns(query)) {
        ldns_pkt_set_edns_udp_size(response.get(), kEdnsUdpSize);
    }
    return response;
}

ldns_pkt_rcode answer_rcode(ldns_pkt* response, const ldns_pkt* query, const DnsZone& zone, uint32_t ttl,
                            DnsFailureMode mode, DnsTransport transport) {
    if (ldns_pkt_qdcount(query) != 1 || ldns_pkt_get_opcode(query) != LDNS_PACKET_QUERY) {
        return ldns_pkt_qdcount(query) != 1 ? LDNS_RCODE_FORMERR : LDNS_RCODE_NOTIMPL;
    }
    switch (mode) {
        case DnsFailureMode::servfail:
            return LDNS_RCODE_SERVFAIL;
        case DnsFailureMode::refused:
            return LDNS_RCODE_REFUSED;
        case DnsFailureMode::truncate:
            if (transport == DnsTransport::udp) {
                ldns_pkt_set_tc(response, true);
                return LDNS_RCODE_NOERROR;
            }
            break;
        case DnsFailureMode::none:
        case DnsFailureMode::drop:
            break;
    }
    const ldns_rr* question = ldns_rr_list_rr(ldns_pkt_question(query), 0);
    return resolve(response, ldns_rr_owner(question), ldns_rr_get_type(question), zone, ttl);
}

}  // namespace

std::optional<DnsQuestion> parse_dns_question(std::span<const uint8_t> wire) {
    const ldns::PacketPtr query = ldns::parse_packet(wire);
    if (!query || ldns_pkt_qdcount(query.get()) < 1) {
        return std::nullopt;
    }
    const ldns_rr* question = ldns_rr_list_rr(ldns_pkt_question(query.get()), 0);
    return DnsQuestion{ldns::rdf_text(ldns_rr_owner(question)),
                       static_cast<uint16_t>(ldns_rr_get_type(question))};
}

std::optional<std::vector<uint8_t>> make_dns_response(std::span<const uint8_t> query_wire,
                                                      const DnsZone& zone, uint32_t ttl, DnsFailureMode mode,
                                                      DnsTransport transport) {
    const ldns::PacketPtr query = ldns::parse_packet(query_wire);
    if (!query || ldns_pkt_qr(query.get()) || mode == DnsFailureMode::drop) {
        return std::nullopt;
    }
    ldns::PacketPtr response = response_skeleton(query.get());
    ldns_pkt_set_rcode(response.get(), answer_rcode(response.get(), query.get(), zone, ttl, mode, transport));
    return ldns::to_wire(response.get());
}

}  // namespace harness
