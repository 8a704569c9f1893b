#include "dns/reply.hpp"

#include "dns/wire_record.hpp"
#include "dns/wire_writer.hpp"

namespace egress::dns {
namespace {

constexpr uint16_t kReplyUdpSize = 1232;
constexpr uint16_t kOptionExtendedError = 15;  // RFC 8914 EDNS option code

uint16_t reply_flags(const Query& query, ResponseCode code) {
    uint16_t flags =
        kQrFlag | static_cast<uint16_t>((query.opcode & 0x0F) << 11) | static_cast<uint16_t>(code);
    if (query.recursion_desired) {
        flags |= kRecursionDesiredFlag;
    }
    if (query.checking_disabled) {
        flags |= kCheckingDisabledFlag;
    }
    return flags;
}

void write_header(WireWriter& out, const Query& query, ResponseCode code) {
    out.put_u16(query.id);
    out.put_u16(reply_flags(query, code));
    out.put_u16(query.name.empty() ? 0 : 1);
    out.put_u16(0);
    out.put_u16(0);
    out.put_u16(query.has_edns ? 1 : 0);
}

void write_question(WireWriter& out, const Query& query) {
    out.put_bytes(query.name.wire());
    out.put_u16(query.qtype);
    out.put_u16(query.qclass);
}

void write_blocked_option(WireWriter& out) {
    out.put_u16(kOptionExtendedError);
    out.put_u16(static_cast<uint16_t>(2 + kBlockedExtraText.size()));
    out.put_u16(kExtendedErrorBlocked);
    out.put_bytes(
        std::span(reinterpret_cast<const uint8_t*>(kBlockedExtraText.data()), kBlockedExtraText.size()));
}

// OPT (RFC 6891): root owner, our payload size as class, extended RCODE, version and flags all 0.
void write_opt(WireWriter& out, bool blocked) {
    out.put_u8(0);
    out.put_u16(kTypeOpt);
    out.put_u16(kReplyUdpSize);
    out.put_u32(0);
    out.put_u16(blocked ? static_cast<uint16_t>(ReplyMessage::kBlockedOptionSize) : 0);
    if (blocked) {
        write_blocked_option(out);
    }
}

}  // namespace

ReplyMessage::ReplyMessage(const Query& query, ResponseCode code, bool blocked) {
    WireWriter out(bytes_);
    write_header(out, query, code);
    if (!query.name.empty()) {
        write_question(out, query);
    }
    if (query.has_edns) {
        write_opt(out, blocked);
    }
    size_ = out.size();
}

void ReplyMessage::set_truncated() {
    bytes_[2] |= static_cast<uint8_t>(kTruncatedFlag >> 8);  // the flags word starts at octet 2
}

}  // namespace egress::dns
