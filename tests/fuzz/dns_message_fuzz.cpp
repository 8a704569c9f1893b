// Feeds arbitrary bytes through everything the DNS proxy does with a client packet and with an
// upstream answer: parse, build the proxy's own reply, read addresses. Must never crash or leak.
#include <cstddef>
#include <cstdint>
#include <span>

#include "dns/answer.hpp"
#include "dns/query.hpp"
#include "dns/reply.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::span<const uint8_t> wire(data, size);
    const egress::dns::Query query = egress::dns::parse_query(wire);
    switch (query.verdict) {
        case egress::dns::QueryVerdict::decide:
            egress::dns::build_reply(query, egress::dns::ResponseCode::name_error, true);
            break;
        case egress::dns::QueryVerdict::form_error:
            egress::dns::build_reply(query, egress::dns::ResponseCode::form_error);
            break;
        case egress::dns::QueryVerdict::not_implemented:
            egress::dns::build_reply(query, egress::dns::ResponseCode::not_implemented);
            break;
        case egress::dns::QueryVerdict::ignore:
            break;
    }
    egress::dns::read_answer(wire);
    return 0;
}
