#pragma once

#include <cstdint>
#include <span>

#include "dns/wire_reader.hpp"

namespace egress::dns {

inline constexpr uint16_t kTypeA = 1;
inline constexpr uint16_t kTypeAaaa = 28;
inline constexpr uint16_t kTypeOpt = 41;

// Bits of the header's flags word (RFC 1035 §4.1.1, RFC 4035 §3.2.2 for CD).
inline constexpr uint16_t kQrFlag = 0x8000;
inline constexpr uint16_t kTruncatedFlag = 0x0200;
inline constexpr uint16_t kRecursionDesiredFlag = 0x0100;
inline constexpr uint16_t kCheckingDisabledFlag = 0x0010;

// The section counts of a message header (RFC 1035 §4.1.1).
struct SectionCounts {
    uint16_t questions = 0;
    uint16_t answers = 0;
    uint16_t authorities = 0;
    uint16_t additionals = 0;
};

// One resource record's fixed fields and RDATA (pointing into the message); the owner is skipped.
struct WireRecord {
    uint16_t type = 0;
    uint16_t rclass = 0;  // for OPT: the sender's UDP payload size
    uint32_t ttl = 0;
    std::span<const uint8_t> rdata;
};

bool read_section_counts(WireReader& reader, SectionCounts& counts);

// Moves past one question entry (name, type, class), the name possibly compressed.
bool skip_question(WireReader& reader);

// Reads one resource record: its owner is checked like skip_name() does, its RDATA must fit in
// the message but is not interpreted.
bool read_record(WireReader& reader, WireRecord& record);

}  // namespace egress::dns
