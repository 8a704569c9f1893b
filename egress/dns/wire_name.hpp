#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dns/wire_reader.hpp"

namespace egress::dns {

// RFC 1035 §2.3.4 limits, in wire octets; a name's length counts its length octets and the root.
inline constexpr size_t kMaxLabelLength = 63;
inline constexpr size_t kMaxNameLength = 255;
inline constexpr size_t kHeaderSize = 12;

// A length octet with both top bits set starts a 2-octet compression pointer (RFC 1035 §4.1.4).
inline constexpr uint8_t kPointerTag = 0xC0;

// Moves the reader past a name that may be compressed (an owner or RDATA name in a record),
// checking where it leads: every label at most 63 octets, at most 255 octets in all, and every
// pointer aimed at an earlier name (past the header, before the labels that led to it), so no
// pointer can loop. Returns false, leaving the reader alone, when the name is malformed.
bool skip_name(WireReader& reader);

// Whether the (possibly compressed) names at offsets `a` and `b` of `message` are the same name,
// ASCII case ignored. A malformed name (a pointer loop, a name running off the message) is the
// same as nothing.
bool same_name(std::span<const uint8_t> message, size_t a, size_t b);

}  // namespace egress::dns
