// Feeds arbitrary bytes through everything the DNS proxy does with a client packet and with an
// upstream answer: parse the query, build the proxy's own replies, read addresses. Must never
// crash or leak, and every reply the proxy builds must read back as a well-formed answer that
// carries the client's ID and the intended RCODE.
#include <cstddef>
#include <cstdint>
#include <span>

#include "dns/answer.hpp"
#include "dns/query.hpp"
#include "dns/reply.hpp"

namespace {

using egress::dns::Query;
using egress::dns::QueryVerdict;
using egress::dns::ResponseCode;

void check_reply(const Query& query, ResponseCode code, bool blocked, bool truncated = false) {
    egress::dns::ReplyMessage reply = egress::dns::build_reply(query, code, blocked);
    if (truncated) {
        reply.set_truncated();
    }
    const auto bytes = reply.bytes();
    const egress::dns::UpstreamAnswer read_back = egress::dns::read_answer(bytes);
    const bool intact = read_back.parsed && read_back.rcode == static_cast<uint8_t>(code) &&
                        read_back.truncated == truncated && read_back.addresses.empty() &&
                        (bytes[0] << 8 | bytes[1]) == query.id &&
                        bytes.size() <= egress::dns::ReplyMessage::kMaxSize;
    if (!intact) {
        __builtin_trap();
    }
}

void check_query(const Query& query) {
    const bool sane = query.name.wire().size() <= egress::dns::kMaxNameLength &&
                      query.policy_name().size() <= egress::dns::kMaxNameLength - 2 &&
                      query.udp_reply_limit >= 512 &&
                      (query.verdict == QueryVerdict::decide || query.name.empty());
    if (!sane) {
        __builtin_trap();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::span<const uint8_t> wire(data, size);
    const Query query = egress::dns::parse_query(wire);
    check_query(query);
    switch (query.verdict) {
        case QueryVerdict::decide:
            check_reply(query, ResponseCode::name_error, true);
            check_reply(query, ResponseCode::server_failure, false);
            check_reply(query, ResponseCode::no_error, false, true);
            break;
        case QueryVerdict::form_error:
            check_reply(query, ResponseCode::form_error, false);
            break;
        case QueryVerdict::not_implemented:
            check_reply(query, ResponseCode::not_implemented, false);
            break;
        case QueryVerdict::ignore:
            break;
    }
    egress::dns::read_answer(wire);
    return 0;
}
