// build_reply() byte for byte: what clients see when the proxy answers by itself.
#include <gtest/gtest.h>

#include <string>

#include "dns/query.hpp"
#include "dns/reply.hpp"
#include "wire_bytes.hpp"

namespace egress::dns {
namespace {

using testing::kFlagsRd;
using testing::WireBytes;

std::vector<uint8_t> bytes_of(const ReplyMessage& reply) {
    return {reply.bytes().begin(), reply.bytes().end()};
}

std::vector<uint8_t> blocked_option() {
    WireBytes option;
    option.u16(15).u16(static_cast<uint16_t>(2 + kBlockedExtraText.size())).u16(kExtendedErrorBlocked);
    for (char c : kBlockedExtraText) {
        option.u8(static_cast<uint8_t>(c));
    }
    return option.bytes();
}

TEST(ReplyBuilder, NxdomainCopiesIdFlagsAndQuestion) {
    const auto query =
        parse_query(WireBytes().header(0xBEEF, kFlagsRd | 0x0010, 1).question("Denied.Example", 16).bytes());
    const auto expected =
        WireBytes().header(0xBEEF, 0x8000 | kFlagsRd | 0x0010 | 3, 1).question("Denied.Example", 16).bytes();
    EXPECT_EQ(bytes_of(build_reply(query, ResponseCode::name_error, true)), expected)
        << "QR, RD and CD set, RA/AA/TC clear, no OPT without EDNS in the query";
}

TEST(ReplyBuilder, BlockedReplyToAnEdnsQueryCarriesExtendedErrorBlocked) {
    const auto query =
        parse_query(WireBytes().header(3, kFlagsRd, 1, 0, 0, 1).question("x.denied").opt(4096).bytes());
    const auto expected = WireBytes()
                              .header(3, 0x8000 | kFlagsRd | 3, 1, 0, 0, 1)
                              .question("x.denied")
                              .opt(1232, blocked_option())
                              .bytes();
    EXPECT_EQ(bytes_of(build_reply(query, ResponseCode::name_error, true)), expected);
}

TEST(ReplyBuilder, OtherRepliesToAnEdnsQueryCarryABareOpt) {
    const auto query =
        parse_query(WireBytes().header(4, 0, 1, 0, 0, 1).question("a.example").opt(512).bytes());
    const auto expected =
        WireBytes().header(4, 0x8000 | 2, 1, 0, 0, 1).question("a.example").opt(1232).bytes();
    EXPECT_EQ(bytes_of(build_reply(query, ResponseCode::server_failure)), expected);
}

TEST(ReplyBuilder, FormErrorAndNotImplementedCarryOnlyTheHeader) {
    const auto malformed =
        parse_query(WireBytes().header(5, kFlagsRd, 2).question("a").question("b").bytes());
    EXPECT_EQ(bytes_of(build_reply(malformed, ResponseCode::form_error)),
              WireBytes().header(5, 0x8000 | kFlagsRd | 1, 0).bytes());
    const auto notify = parse_query(WireBytes().header(6, 4 << 11, 1).question("zone.example").bytes());
    EXPECT_EQ(bytes_of(build_reply(notify, ResponseCode::not_implemented)),
              WireBytes().header(6, 0x8000 | 4 << 11 | 4, 0).bytes())
        << "the client's opcode is echoed";
}

TEST(ReplyBuilder, TruncatedReplySetsTc) {
    const auto query = parse_query(WireBytes().header(7, kFlagsRd, 1).question("big.example").bytes());
    ReplyMessage reply = build_reply(query, ResponseCode::no_error);
    reply.set_truncated();
    EXPECT_EQ(bytes_of(reply),
              WireBytes().header(7, 0x8000 | 0x0200 | kFlagsRd, 1).question("big.example").bytes());
}

TEST(ReplyBuilder, LargestReplyFitsItsBuffer) {
    std::string longest;  // 255 octets in wire form
    for (int i = 0; i < 4; ++i) {
        longest += (i ? "." : "") + std::string(i < 3 ? 63 : 61, 'z');
    }
    const auto query =
        parse_query(WireBytes().header(8, kFlagsRd, 1, 0, 0, 1).question(longest).opt(4096).bytes());
    ASSERT_EQ(query.verdict, QueryVerdict::decide);
    ASSERT_EQ(query.name.wire().size(), 255u);
    EXPECT_EQ(build_reply(query, ResponseCode::name_error, true).bytes().size(), ReplyMessage::kMaxSize);
}

}  // namespace
}  // namespace egress::dns
