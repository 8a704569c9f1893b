#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace egress::dns {

// The upstream health probe's query, RD=1 (OPENSANDBOX_EGRESS_DNS_UPSTREAM_PROBE): "" or "." asks
// ". IN NS"; any other name asks "<name>. IN A" (a trailing dot is optional). Labels are taken as
// written, with no escapes. Throws std::invalid_argument for a name that cannot be encoded: an
// empty label, a label over 63 octets, or a name over 255 octets.
std::vector<uint8_t> build_probe_query(std::string_view name);

// "<name>. IN <qtype>", RD=1, with query ID `id`; throws as build_probe_query does.
std::vector<uint8_t> build_query(std::string_view name, uint16_t qtype, uint16_t id);

}  // namespace egress::dns
