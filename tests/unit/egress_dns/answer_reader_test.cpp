// read_answer() on hand-built upstream answers: compressed owners, odd RDATA, broken framing.
#include <gtest/gtest.h>

#include "dns/answer.hpp"
#include "wire_bytes.hpp"

namespace egress::dns {
namespace {

using testing::WireBytes;

constexpr uint16_t kAnswerFlags = 0x8180;  // QR RD RA, NOERROR

// www.example CNAME cdn.example; cdn.example A and AAAA; an OPT record in the additional section.
WireBytes cname_chain_answer() {
    WireBytes wire;
    wire.header(1, kAnswerFlags, 1, 3, 0, 1).question("www.example");
    wire.pointer(12).record_body(5, 1, 30, {3, 'c', 'd', 'n', 0xC0, 16});  // "cdn" + example (offset 16)
    const uint16_t cdn = 12 + 17 + 2 + 10;                                 // where that RDATA name starts
    wire.pointer(cdn).record_body(1, 1, 120, {198, 51, 100, 7});
    wire.pointer(cdn).record_body(28, 1, 60, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7});
    wire.opt(1232);
    return wire;
}

TEST(AnswerReader, CollectsAddressesBehindCompressedOwners) {
    const auto answer = read_answer(cname_chain_answer().bytes());
    ASSERT_TRUE(answer.parsed);
    EXPECT_EQ(answer.rcode, 0);
    ASSERT_EQ(answer.addresses.size(), 2u);
    EXPECT_EQ(answer.addresses[0].address.to_string(), "198.51.100.7");
    EXPECT_EQ(answer.addresses[0].ttl_seconds, 120u);
    EXPECT_EQ(answer.addresses[1].address.to_string(), "2001:db8::7");
    EXPECT_EQ(answer.addresses[1].ttl_seconds, 60u);
}

TEST(AnswerReader, AddressesOfNamesOffTheQuestionsChainAreNotLearned) {
    // Asked: www.example. Answered besides: evil.example A, which nobody asked for.
    const auto wire = WireBytes()
                          .header(4, kAnswerFlags, 1, 2)
                          .question("www.example")
                          .name("evil.example")
                          .record_body(1, 1, 60, {203, 0, 113, 66})
                          .pointer(12)
                          .record_body(1, 1, 60, {198, 51, 100, 7})
                          .bytes();
    const auto answer = read_answer(wire);
    ASSERT_TRUE(answer.parsed);
    ASSERT_EQ(answer.addresses.size(), 1u);
    EXPECT_EQ(answer.addresses[0].address.to_string(), "198.51.100.7");
}

TEST(AnswerReader, AChainInAnyOrderAndAnyCaseIsFollowed) {
    // WWW.Example asked; the records come target first: CDN.example A, then www CNAME cdn.
    WireBytes wire;
    wire.header(5, kAnswerFlags, 1, 2).question("WWW.Example");
    const uint16_t cdn_owner = static_cast<uint16_t>(wire.size());
    wire.name("CDN.example").record_body(1, 1, 60, {198, 51, 100, 8});
    wire.name("www.EXAMPLE")
        .record_body(5, 1, 60, {3, 'c', 'd', 'n', 0xC0, static_cast<uint8_t>(cdn_owner + 4)});
    const auto answer = read_answer(wire.bytes());
    ASSERT_TRUE(answer.parsed);
    ASSERT_EQ(answer.addresses.size(), 1u);
    EXPECT_EQ(answer.addresses[0].address.to_string(), "198.51.100.8");
}

TEST(AnswerReader, ACnameLoopEnds) {
    // a CNAME b, b CNAME a: no address, and no endless walk.
    WireBytes wire;
    wire.header(6, kAnswerFlags, 1, 2).question("a.example");
    wire.pointer(12).record_body(5, 1, 60, {1, 'b', 0xC0, 14});  // b + example (offset 14)
    const uint16_t b = 12 + 11 + 4 + 2 + 10;
    wire.pointer(b).record_body(5, 1, 60, {0xC0, 12});
    const auto answer = read_answer(wire.bytes());
    EXPECT_TRUE(answer.parsed);
    EXPECT_TRUE(answer.addresses.empty());
}

TEST(AnswerReader, ReadsRcodeAndTruncation) {
    const auto answer =
        read_answer(WireBytes().header(2, kAnswerFlags | 0x0200 | 3, 1).question("gone.example").bytes());
    ASSERT_TRUE(answer.parsed);
    EXPECT_EQ(answer.rcode, 3);
    EXPECT_TRUE(answer.truncated);
    EXPECT_TRUE(answer.addresses.empty());
}

TEST(AnswerReader, AddressRecordsOfTheWrongSizeAreNotAddresses) {
    const auto wire = WireBytes()
                          .header(3, kAnswerFlags, 1, 2)
                          .question("a.example")
                          .pointer(12)
                          .record_body(1, 1, 5, {10, 0, 0, 1, 9})
                          .pointer(12)
                          .record_body(28, 1, 5, {1, 2, 3, 4})
                          .bytes();
    const auto answer = read_answer(wire);
    EXPECT_TRUE(answer.parsed);
    EXPECT_TRUE(answer.addresses.empty());
}

TEST(AnswerReader, AddressesOutsideTheAnswerSectionAreIgnored) {
    const auto wire = WireBytes()
                          .header(4, kAnswerFlags, 1, 0, 0, 1)
                          .question("a.example")
                          .name("glue.example")
                          .record_body(1, 1, 5, {10, 0, 0, 1})
                          .bytes();
    const auto answer = read_answer(wire);
    EXPECT_TRUE(answer.parsed);
    EXPECT_TRUE(answer.addresses.empty());
}

TEST(AnswerReader, BrokenFramingAnywhereMeansNotParsed) {
    const auto good = cname_chain_answer().bytes();
    for (size_t length = 0; length < good.size(); ++length) {
        const auto answer = read_answer(std::span(good.data(), length));
        EXPECT_FALSE(answer.parsed) << length << " of " << good.size() << " bytes";
        EXPECT_TRUE(answer.addresses.empty());
    }
    const auto owner_pointing_at_itself = WireBytes()
                                              .header(5, kAnswerFlags, 1, 1)
                                              .question("a.example")
                                              .pointer(27)
                                              .record_body(1, 1, 5, {1, 2, 3, 4});
    EXPECT_FALSE(read_answer(owner_pointing_at_itself.bytes()).parsed);
}

}  // namespace
}  // namespace egress::dns
