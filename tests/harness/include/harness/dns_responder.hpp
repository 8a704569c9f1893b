#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "harness/dns_types.hpp"
#include "harness/dns_zone.hpp"

namespace harness {

// How the server misbehaves; `none` answers from the zone.
enum class DnsFailureMode { none, drop, servfail, refused, truncate };

struct DnsQuestion {
    std::string name;  // as received (case preserved), without trailing dot
    uint16_t qtype = 0;
};

// The question of a DNS query in wire format, or nullopt if it does not parse.
std::optional<DnsQuestion> parse_dns_question(std::span<const uint8_t> wire);

// The wire-format answer to `query`, or nullopt when nothing should be sent (drop mode, garbage).
// `truncate` only affects UDP: TC=1 and no records, so the client retries over TCP.
std::optional<std::vector<uint8_t>> make_dns_response(std::span<const uint8_t> query, const DnsZone& zone,
                                                      uint32_t ttl, DnsFailureMode mode,
                                                      DnsTransport transport);

}  // namespace harness
