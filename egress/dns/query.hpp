#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "dns/question_name.hpp"

namespace egress::dns {

// What the proxy should do with a packet that arrived on a listener.
enum class QueryVerdict {
    decide,           // a well-formed standard query: apply the policy to its name
    ignore,           // a response (QR=1), or too short to carry a header: send nothing
    form_error,       // parseable header but malformed or not exactly one question: FORMERR
    not_implemented,  // opcode other than QUERY: NOTIMP
};

// A client's query as the proxy needs it; held inline, so parsing one allocates nothing.
struct Query {
    QueryVerdict verdict = QueryVerdict::ignore;
    uint16_t id = 0;
    uint8_t opcode = 0;
    bool recursion_desired = false;
    bool checking_disabled = false;
    // The rest is set only when the verdict is `decide`.
    bool has_edns = false;
    // Largest UDP reply the client accepts: its EDNS payload size, at least 512.
    uint16_t udp_reply_limit = 512;
    // The OPT record's payload size and TTL field (extended RCODE, version, DO bit), as sent.
    uint16_t edns_payload_size = 0;
    uint32_t edns_flags = 0;
    // Where the question ends in the client's message.
    uint16_t question_end = 0;
    uint16_t qtype = 0;
    uint16_t qclass = 0;
    QuestionName name;

    std::string_view policy_name() const { return name.policy_name(); }
};

// Parses and validates a query received from a client, straight from the wire. Never throws on
// bad input. Records after the question are checked for framing only; an OPT record among the
// additional ones marks EDNS. Bytes after the last record are ignored.
Query parse_query(std::span<const uint8_t> wire);

// What is sent upstream for a query whose verdict is `decide`: the client's header (ID, flags)
// and question, and an OPT record with its payload size and flags but no options, when it had one.
// Nothing else the client put in its message (records in other sections, EDNS options, trailing
// bytes) leaves the sandbox. Replaces `out`'s content.
void build_forwarded_query(const Query& query, std::span<const uint8_t> wire, std::vector<uint8_t>& out);

}  // namespace egress::dns
