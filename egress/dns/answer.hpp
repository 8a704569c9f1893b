#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/ip_address.hpp"

namespace egress::dns {

struct ResolvedAddress {
    common::IpAddress address;
    uint32_t ttl_seconds;
};

// What the proxy needs to know about an upstream's answer.
struct UpstreamAnswer {
    bool parsed = false;
    uint8_t rcode = 0;
    bool truncated = false;
    // The A and AAAA records of the answer section owned by the question's name or a name its
    // CNAME records lead to (in any order); other owners' addresses are left out.
    std::vector<ResolvedAddress> addresses;
};

// Reads an upstream's answer straight from the wire. Every record's framing is checked (names,
// fixed fields, RDATA length); `parsed` is false, with nothing else set, when any is malformed.
UpstreamAnswer read_answer(std::span<const uint8_t> wire);

// Overwrites the message ID (the first two bytes) of a DNS message; no-op when too short.
void set_message_id(std::span<uint8_t> wire, uint16_t id);

}  // namespace egress::dns
