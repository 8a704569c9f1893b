// build_forwarded_query(): only the question and the EDNS basics of a client's query leave.
#include <gtest/gtest.h>

#include "dns/query.hpp"
#include "wire_bytes.hpp"

namespace egress::dns {
namespace {

using testing::kFlagsRd;
using testing::WireBytes;

std::vector<uint8_t> forwarded(const std::vector<uint8_t>& wire) {
    const Query query = parse_query(wire);
    EXPECT_EQ(query.verdict, QueryVerdict::decide);
    std::vector<uint8_t> out{0xAA};  // replaced, not appended to
    build_forwarded_query(query, wire, out);
    return out;
}

TEST(ForwardedQuery, APlainQueryLeavesAsItCame) {
    const auto wire = WireBytes().header(0x1234, kFlagsRd, 1).question("www.example.com").bytes();
    EXPECT_EQ(forwarded(wire), wire);
}

TEST(ForwardedQuery, TrailingBytesStayBehind) {
    const auto plain = WireBytes().header(0x1234, kFlagsRd, 1).question("www.example.com").bytes();
    auto with_trailer = plain;
    for (const char c : std::string("secret data after the message")) {
        with_trailer.push_back(static_cast<uint8_t>(c));
    }
    EXPECT_EQ(forwarded(with_trailer), plain);
}

TEST(ForwardedQuery, RecordsInOtherSectionsStayBehind) {
    const auto wire = WireBytes()
                          .header(0x1234, kFlagsRd, 1, 1, 1)
                          .question("www.example.com")
                          .name("data.example.com")
                          .record_body(16, 1, 60, {4, 'l', 'e', 'a', 'k'})
                          .name("more.example.com")
                          .record_body(16, 1, 60, {4, 'm', 'o', 'r', 'e'})
                          .bytes();
    EXPECT_EQ(forwarded(wire), WireBytes().header(0x1234, kFlagsRd, 1).question("www.example.com").bytes());
}

TEST(ForwardedQuery, EdnsKeepsItsSizeAndFlagsButNotItsOptions) {
    // OPT: payload 1232, DO bit set, one option (code 65001) carrying 6 bytes.
    const auto wire = WireBytes()
                          .header(0x1234, kFlagsRd, 1, 0, 0, 1)
                          .question("www.example.com", 28)
                          .name("")
                          .record_body(41, 1232, 0x00008000, {0xFD, 0xE9, 0, 6, 's', 'e', 'c', 'r', 'e', 't'})
                          .bytes();
    const auto expected = WireBytes()
                              .header(0x1234, kFlagsRd, 1, 0, 0, 1)
                              .question("www.example.com", 28)
                              .name("")
                              .record_body(41, 1232, 0x00008000, {})
                              .bytes();
    EXPECT_EQ(forwarded(wire), expected);
}

}  // namespace
}  // namespace egress::dns
