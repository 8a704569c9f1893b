#pragma once

#include <cstdint>
#include <span>
#include <string_view>

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
    uint16_t qtype = 0;
    uint16_t qclass = 0;
    QuestionName name;

    std::string_view policy_name() const { return name.policy_name(); }
};

// Parses and validates a query received from a client, straight from the wire. Never throws on
// bad input. Records after the question are checked for framing only; an OPT record among the
// additional ones marks EDNS. Bytes after the last record are ignored, as they always were.
Query parse_query(std::span<const uint8_t> wire);

}  // namespace egress::dns
