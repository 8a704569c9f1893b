// parse_query() on hand-built wire input, malformed input above all.
#include <gtest/gtest.h>

#include <string>

#include "dns/query.hpp"
#include "wire_bytes.hpp"

namespace egress::dns {
namespace {

using testing::kFlagsRd;
using testing::WireBytes;

std::vector<uint8_t> simple_query(const std::string& name, uint16_t id = 0x1234) {
    return WireBytes().header(id, kFlagsRd, 1).question(name).bytes();
}

std::string repeated(char letter, size_t count) {
    return std::string(count, letter);
}

// A name of exactly `wire_length` octets in wire form (root label included), labels of 63.
std::string name_of_wire_length(size_t wire_length) {
    std::string dotted;
    size_t remaining = wire_length - 1;  // the root label
    while (remaining > 0) {
        const size_t label = std::min<size_t>(63, remaining - 1);
        dotted += (dotted.empty() ? "" : ".") + repeated('a', label);
        remaining -= label + 1;
    }
    return dotted;
}

TEST(QueryParser, TruncatedHeaderIsIgnored) {
    const auto wire = simple_query("example.com");
    for (size_t length = 0; length < 12; ++length) {
        const auto query = parse_query(std::span(wire.data(), length));
        EXPECT_EQ(query.verdict, QueryVerdict::ignore) << length << " bytes";
    }
}

TEST(QueryParser, ResponsesAreIgnoredWhateverTheirBody) {
    const auto query = parse_query(WireBytes().header(7, 0x8000 | kFlagsRd, 0).bytes());
    EXPECT_EQ(query.verdict, QueryVerdict::ignore);
    EXPECT_EQ(query.id, 0) << "nothing is read from a packet that gets no reply";
}

TEST(QueryParser, ReadsHeaderFlagsAndQuestion) {
    const auto query =
        parse_query(WireBytes().header(0xBEEF, kFlagsRd | 0x0010, 1).question("a.example", 28, 1).bytes());
    ASSERT_EQ(query.verdict, QueryVerdict::decide);
    EXPECT_EQ(query.id, 0xBEEF);
    EXPECT_TRUE(query.recursion_desired);
    EXPECT_TRUE(query.checking_disabled);
    EXPECT_EQ(query.qtype, 28);
    EXPECT_EQ(query.qclass, 1);
    EXPECT_FALSE(query.has_edns);
    EXPECT_EQ(query.udp_reply_limit, 512);
}

TEST(QueryParser, QuestionCountZeroOrTwoIsFormError) {
    EXPECT_EQ(parse_query(WireBytes().header(1, kFlagsRd, 0).bytes()).verdict, QueryVerdict::form_error);
    const auto two = WireBytes().header(2, kFlagsRd, 2).question("a.example").question("b.example").bytes();
    const auto query = parse_query(two);
    EXPECT_EQ(query.verdict, QueryVerdict::form_error);
    EXPECT_EQ(query.id, 2);
    EXPECT_TRUE(query.name.empty()) << "a FORMERR reply echoes no question";
}

TEST(QueryParser, OpcodeOtherThanQueryIsNotImplementedBeforeAnyOtherCheck) {
    const auto query = parse_query(WireBytes().header(3, 2 << 11, 0).bytes());  // STATUS, no question
    EXPECT_EQ(query.verdict, QueryVerdict::not_implemented);
    EXPECT_EQ(query.opcode, 2);
}

TEST(QueryParser, MoreRecordsThanAQueryCarriesIsFormError) {
    EXPECT_EQ(parse_query(WireBytes().header(4, kFlagsRd, 1, 2).question("a.example").bytes()).verdict,
              QueryVerdict::form_error);
    EXPECT_EQ(parse_query(WireBytes().header(4, kFlagsRd, 1, 0, 0, 3).question("a.example").bytes()).verdict,
              QueryVerdict::form_error);
}

TEST(QueryParser, CompressionPointersInTheQuestionAreFormErrors) {
    // At itself (a loop), into the header, and forward to a name later in the message.
    const auto loop = WireBytes().header(5, kFlagsRd, 1).pointer(12).u16(1).u16(1).bytes();
    const auto into_header = WireBytes().header(5, kFlagsRd, 1).pointer(4).u16(1).u16(1).bytes();
    const auto forward =
        WireBytes().header(5, kFlagsRd, 1).label("www").pointer(22).u16(1).u16(1).name("example").bytes();
    for (const auto& wire : {loop, into_header, forward}) {
        const auto query = parse_query(wire);
        EXPECT_EQ(query.verdict, QueryVerdict::form_error);
        EXPECT_EQ(query.id, 5);
    }
}

TEST(QueryParser, LabelLongerThan63IsFormError) {
    EXPECT_EQ(parse_query(simple_query(repeated('a', 63) + ".example")).verdict, QueryVerdict::decide);
    EXPECT_EQ(parse_query(simple_query(repeated('a', 64) + ".example")).verdict, QueryVerdict::form_error);
    // The reserved label types 0x40 and 0x80 (RFC 6891 §5) are not labels either.
    for (uint8_t type : {0x40, 0x80}) {
        const auto wire = WireBytes().header(6, kFlagsRd, 1).u8(type).u8(0).u16(1).u16(1).bytes();
        EXPECT_EQ(parse_query(wire).verdict, QueryVerdict::form_error) << int{type};
    }
}

TEST(QueryParser, NameLongerThan255OctetsIsFormError) {
    const auto longest = parse_query(simple_query(name_of_wire_length(255)));
    ASSERT_EQ(longest.verdict, QueryVerdict::decide);
    EXPECT_EQ(longest.name.wire().size(), 255u);
    EXPECT_EQ(longest.policy_name().size(), 253u);
    EXPECT_EQ(parse_query(simple_query(name_of_wire_length(256))).verdict, QueryVerdict::form_error);
}

TEST(QueryParser, TruncatedQuestionIsFormError) {
    const auto wire = simple_query("www.example.com");
    for (size_t length = 12; length < wire.size(); ++length) {
        const auto query = parse_query(std::span(wire.data(), length));
        EXPECT_EQ(query.verdict, QueryVerdict::form_error) << length << " of " << wire.size() << " bytes";
    }
}

TEST(QueryParser, TrailingBytesAfterTheLastRecordAreIgnored) {
    auto wire = simple_query("a.example");
    wire.insert(wire.end(), {0xDE, 0xAD, 0xBE, 0xEF});
    const auto query = parse_query(wire);
    EXPECT_EQ(query.verdict, QueryVerdict::decide);
    EXPECT_EQ(query.policy_name(), "a.example");
}

TEST(QueryParser, RecordsAfterTheQuestionMustBeWellFramed) {
    auto base = WireBytes().header(8, kFlagsRd, 1, 0, 0, 1).question("a.example");
    // RDLENGTH past the end of the message.
    EXPECT_EQ(parse_query(WireBytes(base).u8(0).record_body(41, 1232, 0, {}).bytes()).verdict,
              QueryVerdict::decide);
    auto overlong = WireBytes(base).u8(0).u16(41).u16(1232).u16(0).u16(0).u16(10).raw({1, 2}).bytes();
    EXPECT_EQ(parse_query(overlong).verdict, QueryVerdict::form_error);
    // A compressed owner pointing back at the question is fine; one pointing at itself is not.
    auto compressed = WireBytes(base).pointer(12).record_body(250, 255, 0, {0, 0}).bytes();
    EXPECT_EQ(parse_query(compressed).verdict, QueryVerdict::decide);
    const uint16_t owner_offset = static_cast<uint16_t>(base.size());
    auto looping = WireBytes(base).pointer(owner_offset).record_body(250, 255, 0, {}).bytes();
    EXPECT_EQ(parse_query(looping).verdict, QueryVerdict::form_error);
}

TEST(QueryParser, OptRecordMarksEdnsAndItsPayloadSize) {
    auto with_opt = [](uint16_t udp_size) {
        return parse_query(
            WireBytes().header(9, kFlagsRd, 1, 0, 0, 1).question("a.example").opt(udp_size).bytes());
    };
    EXPECT_TRUE(with_opt(4096).has_edns);
    EXPECT_EQ(with_opt(4096).udp_reply_limit, 4096);
    EXPECT_EQ(with_opt(1232).udp_reply_limit, 1232);
    EXPECT_EQ(with_opt(100).udp_reply_limit, 512) << "never below the classic 512";
    const auto with_options = parse_query(WireBytes()
                                              .header(9, kFlagsRd, 1, 0, 0, 1)
                                              .question("a.example")
                                              .opt(1400, {0, 10, 0, 2, 1, 2})
                                              .bytes());
    EXPECT_TRUE(with_options.has_edns);
    EXPECT_EQ(with_options.udp_reply_limit, 1400);
}

TEST(QueryParser, AnswerAndAuthorityRecordsAreNotMistakenForEdns) {
    const auto wire = WireBytes()
                          .header(10, kFlagsRd, 1, 1, 0, 0)
                          .question("a.example")
                          .u8(0)
                          .record_body(41, 4096, 0, {})
                          .bytes();
    const auto query = parse_query(wire);
    ASSERT_EQ(query.verdict, QueryVerdict::decide);
    EXPECT_FALSE(query.has_edns);
}

TEST(QueryParser, PolicyNameIsLowercasedDottedAndCannotSmuggleDots) {
    const auto wire = WireBytes()
                          .header(11, kFlagsRd, 1)
                          .label("WwW")
                          .label("Evil.Allowed")
                          .label("COM")
                          .u8(0)
                          .u16(1)
                          .u16(1)
                          .bytes();
    const auto query = parse_query(wire);
    ASSERT_EQ(query.verdict, QueryVerdict::decide);
    EXPECT_EQ(query.policy_name(), "www.evil/allowed.com");
    const std::vector<uint8_t> expected_wire = {3,   'W', 'w', 'W', 12,  'E', 'v', 'i', 'l', '.', 'A',
                                                'l', 'l', 'o', 'w', 'e', 'd', 3,   'C', 'O', 'M', 0};
    EXPECT_EQ(std::vector<uint8_t>(query.name.wire().begin(), query.name.wire().end()), expected_wire)
        << "the wire form keeps the client's case, to echo it";
}

TEST(QueryParser, RootAndBinaryLabels) {
    const auto root = parse_query(simple_query(""));
    ASSERT_EQ(root.verdict, QueryVerdict::decide);
    EXPECT_EQ(root.policy_name(), "");
    EXPECT_EQ(root.name.wire().size(), 1u);
    const auto binary =
        parse_query(WireBytes().header(12, kFlagsRd, 1).raw({2, 0x00, 0xFF, 0}).u16(1).u16(1).bytes());
    ASSERT_EQ(binary.verdict, QueryVerdict::decide);
    EXPECT_EQ(binary.policy_name(), std::string("\x00\xFF", 2));
}

}  // namespace
}  // namespace egress::dns
