#include "dns/answer.hpp"

#include <algorithm>
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

constexpr uint16_t kTypeCname = 5;

// An answer record with where its names start in the message.
struct AnswerRecord {
    size_t owner = 0;
    WireRecord record;
};

bool read_answer_records(WireReader& reader, size_t count, std::vector<AnswerRecord>& records) {
    records.resize(count);
    for (auto& answer : records) {
        answer.owner = reader.position();
        if (!read_record(reader, answer.record)) {
            return false;
        }
    }
    return true;
}

// Where a CNAME's target name starts, once checked like any owner name.
std::optional<size_t> cname_target(std::span<const uint8_t> message, const WireRecord& record) {
    const auto offset = static_cast<size_t>(record.rdata.data() - message.data());
    WireReader target(message);
    if (!target.seek(offset) || !skip_name(target) || target.position() != offset + record.rdata.size()) {
        return std::nullopt;
    }
    return offset;
}

// The question's name and every name its CNAME records lead to, in any order of the records.
std::vector<size_t> cname_chain(std::span<const uint8_t> message, const std::vector<AnswerRecord>& records) {
    std::vector<size_t> chain{kHeaderSize};
    const auto in_chain = [&](size_t name) {
        return std::any_of(chain.begin(), chain.end(),
                           [&](size_t link) { return same_name(message, link, name); });
    };
    for (bool grew = true; grew;) {
        grew = false;
        for (const auto& answer : records) {
            if (answer.record.type != kTypeCname || !in_chain(answer.owner)) {
                continue;
            }
            const auto target = cname_target(message, answer.record);
            if (target && !in_chain(*target)) {
                chain.push_back(*target);
                grew = true;
            }
        }
    }
    return chain;
}

// The A and AAAA records that answer the question: those whose owner is on its CNAME chain. An
// address under any other owner answers a question nobody asked and is not learned.
std::vector<ResolvedAddress> addresses_answering(std::span<const uint8_t> message,
                                                 const std::vector<AnswerRecord>& records) {
    std::vector<ResolvedAddress> addresses;
    std::vector<size_t> chain;
    for (const auto& answer : records) {
        const auto address = address_of(answer.record);
        if (!address) {
            continue;
        }
        if (chain.empty()) {
            chain = cname_chain(message, records);
        }
        if (std::any_of(chain.begin(), chain.end(),
                        [&](size_t link) { return same_name(message, link, answer.owner); })) {
            addresses.push_back({*address, answer.record.ttl});
        }
    }
    return addresses;
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
    std::vector<AnswerRecord> records;
    if (!skip_questions(reader, counts.questions) || !read_answer_records(reader, counts.answers, records) ||
        !skip_records(reader, size_t{counts.authorities} + counts.additionals)) {
        return {};
    }
    if (counts.questions == 1) {
        answer.addresses = addresses_answering(wire, records);
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
