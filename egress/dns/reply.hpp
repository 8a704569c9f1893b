#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "dns/query.hpp"
#include "dns/wire_name.hpp"

namespace egress::dns {

enum class ResponseCode : uint8_t {
    no_error = 0,
    form_error = 1,
    server_failure = 2,
    name_error = 3,  // NXDOMAIN
    not_implemented = 4,
    refused = 5,
};

// RFC 8914 Extended DNS Error info-code 15, and the text that goes with it.
inline constexpr uint16_t kExtendedErrorBlocked = 15;
inline constexpr std::string_view kBlockedExtraText = "denied by sandbox egress policy";

// A reply the proxy answers itself, held inline: the header, the client's question and at most
// one OPT record carrying one Extended DNS Error.
class ReplyMessage {
  public:
    static constexpr size_t kOptRecordSize = 11;                                    // root owner, no options
    static constexpr size_t kBlockedOptionSize = 4 + 2 + kBlockedExtraText.size();  // code, length, info
    static constexpr size_t kMaxSize = kHeaderSize + kMaxNameLength + 4 + kOptRecordSize + kBlockedOptionSize;

    ReplyMessage(const Query& query, ResponseCode code, bool blocked);

    std::span<const uint8_t> bytes() const { return std::span<const uint8_t>(bytes_.data(), size_); }
    // Sets TC: the answer did not fit, the client should retry over TCP.
    void set_truncated();

  private:
    std::array<uint8_t, kMaxSize> bytes_;
    size_t size_ = 0;
};

// The client's ID, opcode, RD and CD, its question when it had exactly one well-formed question,
// QR=1, no records. When the query carried EDNS, the reply carries an OPT record (payload size
// 1232), with an Extended DNS Error "Blocked" when `blocked`.
inline ReplyMessage build_reply(const Query& query, ResponseCode code, bool blocked = false) {
    return ReplyMessage(query, code, blocked);
}

}  // namespace egress::dns
