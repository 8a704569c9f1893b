#include "dns/answer.hpp"

#include <array>
#include <cstring>
#include <optional>

#include "dns/wire_name.hpp"
#include "dns/wire_record.hpp"

namespace egress::dns {
namespace {

std::optional<common::IpAddress> address_of(const WireRecord& record) {
    if (record.type == kTypeA && record.rdata.size() == 4) {
        const auto& data = record.rdata;
        return common::IpAddress::from_v4({data[0], data[1], data[2], data[3]});
    }
    if (record.type == kTypeAaaa && record.rdata.size() == 16) {
        std::array<uint8_t, 16> bytes{};
        std::memcpy(bytes.data(), record.rdata.data(), bytes.size());
        return common::IpAddress::from_v6(bytes);
    }
    return std::nullopt;
}

bool skip_questions(WireReader& reader, size_t count) {
    for (size_t i = 0; i < count; ++i) {
        if (!skip_question(reader)) {
            return false;
        }
    }
    return true;
}

bool read_answer_section(WireReader& reader, size_t count, std::vector<ResolvedAddress>& addresses) {
    WireRecord record;
    for (size_t i = 0; i < count; ++i) {
        if (!read_record(reader, record)) {
            return false;
        }
        if (auto address = address_of(record)) {
            addresses.push_back({*address, record.ttl});
        }
    }
    return true;
}

bool skip_records(WireReader& reader, size_t count) {
    WireRecord record;
    for (size_t i = 0; i < count; ++i) {
        if (!read_record(reader, record)) {
            return false;
        }
    }
    return true;
}

}  // namespace

UpstreamAnswer read_answer(std::span<const uint8_t> wire) {
    WireReader reader(wire);
    uint16_t id = 0;
    uint16_t flags = 0;
    SectionCounts counts;
    if (!reader.read_u16(id) || !reader.read_u16(flags) || !read_section_counts(reader, counts)) {
        return {};
    }
    UpstreamAnswer answer;
    if (!skip_questions(reader, counts.questions) ||
        !read_answer_section(reader, counts.answers, answer.addresses) ||
        !skip_records(reader, size_t{counts.authorities} + counts.additionals)) {
        return {};
    }
    answer.parsed = true;
    answer.rcode = static_cast<uint8_t>(flags & 0x0F);
    answer.truncated = (flags & kTruncatedFlag) != 0;
    return answer;
}

void set_message_id(std::span<uint8_t> wire, uint16_t id) {
    if (wire.size() >= 2) {
        wire[0] = static_cast<uint8_t>(id >> 8);
        wire[1] = static_cast<uint8_t>(id & 0xFF);
    }
}

}  // namespace egress::dns
