#pragma once

#include <cstdint>
#include <vector>

#include "dns/query.hpp"

namespace egress::dns {

enum class ResponseCode : uint8_t {
    no_error = 0,
    form_error = 1,
    server_failure = 2,
    name_error = 3,  // NXDOMAIN
    not_implemented = 4,
    refused = 5,
};

// RFC 8914 Extended DNS Error info-code 15.
inline constexpr uint16_t kExtendedErrorBlocked = 15;

// Builds a reply the proxy answers itself: the client's ID, opcode, RD and CD, its question
// when it had exactly one, QR=1, no records. When `blocked` and the query carried EDNS, the
// reply carries an OPT record with an Extended DNS Error "Blocked".
std::vector<uint8_t> build_reply(const Query& query, ResponseCode code, bool blocked = false);

}  // namespace egress::dns
