#pragma once

#include <cstdint>
#include <span>

namespace egress::dns {

// c-ares 1.18, on a channel with ARES_FLAG_EDNS, takes a UDP answer with RCODE FORMERR and no OPT
// record to mean that the server does not speak EDNS: it clears the flag for the whole channel
// (from then on every UDP answer over 512 bytes is cut short) and re-sends the query without its
// last 11 bytes, assuming it had added an OPT record itself, which is wrong for the raw queries a
// forwarder sends. So UDP answers carry FORMERR past c-ares under an unassigned RCODE.

// Called on every UDP datagram before c-ares reads it.
void conceal_form_error(std::span<uint8_t> datagram);

// The answer's RCODE as the server sent it; 0xFF when the message is shorter than a header.
uint8_t revealed_rcode(std::span<const uint8_t> answer);

}  // namespace egress::dns
