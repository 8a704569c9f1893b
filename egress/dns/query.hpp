#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace egress::dns {

// What the proxy should do with a packet that arrived on a listener.
enum class QueryVerdict {
    decide,           // a well-formed standard query: apply the policy to its name
    ignore,           // a response (QR=1), or too short to carry an ID: send nothing
    form_error,       // parseable header but malformed or not exactly one question: FORMERR
    not_implemented,  // opcode other than QUERY: NOTIMP
};

struct Query {
    QueryVerdict verdict = QueryVerdict::ignore;
    uint16_t id = 0;
    uint8_t opcode = 0;
    bool recursion_desired = false;
    bool checking_disabled = false;
    bool has_edns = false;
    // Largest UDP reply the client accepts: its EDNS payload size, at least 512.
    uint16_t udp_reply_limit = 512;
    uint16_t qtype = 0;
    uint16_t qclass = 0;
    // The question name as the policy sees it: ASCII lowercased, labels joined by '.', no trailing
    // dot, root = "". A '.' inside a label becomes '/', which no policy target can contain, so a
    // label like "evil.allowed" can never pose as a subdomain of "allowed.com". Also the name logs
    // and deny events carry (upstream reports names lowercased, without the trailing dot).
    std::string policy_name;
    // The question name in uncompressed wire form, to echo it in replies.
    std::vector<uint8_t> qname_wire;
};

// Parses and validates a query received from a client. Never throws on bad input.
Query parse_query(std::span<const uint8_t> wire);

}  // namespace egress::dns
