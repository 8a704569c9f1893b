#include "dns/query.hpp"

#include <algorithm>

#include "dns/wire_record.hpp"

namespace egress::dns {
namespace {

constexpr uint8_t kOpcodeQuery = 0;
constexpr uint16_t kMinUdpReplyLimit = 512;

// The header fields every reply needs. Returns false when the packet must be ignored.
bool read_header(WireReader& reader, Query& query, SectionCounts& counts) {
    uint16_t id = 0;
    uint16_t flags = 0;
    if (reader.remaining() < kHeaderSize) {
        return false;
    }
    reader.read_u16(id);
    reader.read_u16(flags);
    read_section_counts(reader, counts);
    if ((flags & kQrFlag) != 0) {
        return false;
    }
    query.id = id;
    query.opcode = static_cast<uint8_t>((flags >> 11) & 0x0F);
    query.recursion_desired = (flags & kRecursionDesiredFlag) != 0;
    query.checking_disabled = (flags & kCheckingDisabledFlag) != 0;
    return true;
}

// Section counts a plain query can carry: one question, at most one answer or authority record,
// and at most two additional records (OPT and TSIG), as common resolvers accept.
bool has_query_shaped_counts(const SectionCounts& counts) {
    return counts.questions == 1 && counts.answers <= 1 && counts.authorities <= 1 && counts.additionals <= 2;
}

bool read_question(WireReader& reader, Query& query) {
    if (!query.name.read(reader) || !reader.read_u16(query.qtype) || !reader.read_u16(query.qclass)) {
        return false;
    }
    query.question_end = static_cast<uint16_t>(reader.position());
    return true;
}

bool read_records_after_question(WireReader& reader, const SectionCounts& counts, Query& query) {
    WireRecord record;
    for (size_t i = 0; i < size_t{counts.answers} + counts.authorities; ++i) {
        if (!read_record(reader, record)) {
            return false;
        }
    }
    for (size_t i = 0; i < counts.additionals; ++i) {
        if (!read_record(reader, record)) {
            return false;
        }
        if (record.type == kTypeOpt) {
            query.has_edns = true;
            query.udp_reply_limit = std::max(kMinUdpReplyLimit, record.rclass);
            query.edns_payload_size = record.rclass;
            query.edns_flags = record.ttl;
        }
    }
    return true;
}

// A FORMERR reply echoes no question and carries no OPT record.
void forget_body(Query& query) {
    query.name.clear();
    query.qtype = 0;
    query.qclass = 0;
    query.has_edns = false;
    query.udp_reply_limit = kMinUdpReplyLimit;
    query.question_end = 0;
}

void append_u16(std::vector<uint8_t>& out, uint16_t value) {
    out.push_back(static_cast<uint8_t>(value >> 8));
    out.push_back(static_cast<uint8_t>(value & 0xFF));
}

}  // namespace

Query parse_query(std::span<const uint8_t> wire) {
    Query query;
    WireReader reader(wire);
    SectionCounts counts;
    if (!read_header(reader, query, counts)) {
        return query;
    }
    if (query.opcode != kOpcodeQuery) {
        query.verdict = QueryVerdict::not_implemented;
        return query;
    }
    if (!has_query_shaped_counts(counts) || !read_question(reader, query) ||
        !read_records_after_question(reader, counts, query)) {
        query.verdict = QueryVerdict::form_error;
        forget_body(query);
        return query;
    }
    query.verdict = QueryVerdict::decide;
    return query;
}

void build_forwarded_query(const Query& query, std::span<const uint8_t> wire, std::vector<uint8_t>& out) {
    out.assign(wire.begin(), wire.begin() + 4);  // ID and flags
    append_u16(out, 1);                          // one question
    append_u16(out, 0);
    append_u16(out, 0);
    append_u16(out, query.has_edns ? 1 : 0);
    out.insert(out.end(), wire.begin() + kHeaderSize, wire.begin() + query.question_end);
    if (query.has_edns) {
        out.push_back(0);  // the root name
        append_u16(out, kTypeOpt);
        append_u16(out, query.edns_payload_size);
        append_u16(out, static_cast<uint16_t>(query.edns_flags >> 16));
        append_u16(out, static_cast<uint16_t>(query.edns_flags & 0xFFFF));
        append_u16(out, 0);  // no options
    }
}

}  // namespace egress::dns
