#include <gtest/gtest.h>
#include <ldns/ldns.h>

#include <string>
#include <vector>

#include "dns/answer.hpp"
#include "dns/query.hpp"
#include "dns/reply.hpp"
#include "ldns_handles.hpp"

namespace egress::dns {
namespace {

using testing::LdnsPacket;
using testing::LdnsRr;
using testing::LdnsWire;

std::vector<uint8_t> to_wire(ldns_pkt* packet) {
    uint8_t* wire = nullptr;
    size_t size = 0;
    EXPECT_EQ(ldns_pkt2wire(&wire, packet, &size), LDNS_STATUS_OK);
    LdnsWire owned(wire);
    return {wire, wire + size};
}

std::vector<uint8_t> make_query(const char* name, ldns_rr_type type, uint16_t id, bool edns = false) {
    ldns_pkt* raw = nullptr;
    EXPECT_EQ(ldns_pkt_query_new_frm_str(&raw, name, type, LDNS_RR_CLASS_IN, LDNS_RD), LDNS_STATUS_OK);
    LdnsPacket packet(raw);
    ldns_pkt_set_id(packet.get(), id);
    if (edns) {
        ldns_pkt_set_edns_udp_size(packet.get(), 4096);
    }
    return to_wire(packet.get());
}

LdnsPacket parse(std::span<const uint8_t> wire) {
    ldns_pkt* raw = nullptr;
    EXPECT_EQ(ldns_wire2pkt(&raw, wire.data(), wire.size()), LDNS_STATUS_OK);
    return LdnsPacket(raw);
}

// A query header with the given counts and no body.
std::vector<uint8_t> bare_header(uint16_t id, uint8_t flags_high, uint16_t qdcount) {
    return {static_cast<uint8_t>(id >> 8),
            static_cast<uint8_t>(id),
            flags_high,
            0,
            0,
            static_cast<uint8_t>(qdcount),
            0,
            0,
            0,
            0,
            0,
            0};
}

TEST(ParseQuery, AcceptsAStandardQuery) {
    auto query = parse_query(make_query("WWW.Example.COM.", LDNS_RR_TYPE_AAAA, 0x1234));
    EXPECT_EQ(query.verdict, QueryVerdict::decide);
    EXPECT_EQ(query.id, 0x1234);
    EXPECT_EQ(query.policy_name(), "www.example.com");
    EXPECT_EQ(query.qtype, LDNS_RR_TYPE_AAAA);
    EXPECT_EQ(query.qclass, LDNS_RR_CLASS_IN);
    EXPECT_TRUE(query.recursion_desired);
    EXPECT_FALSE(query.has_edns);
}

TEST(ParseQuery, RootNameHasEmptyPolicyName) {
    auto query = parse_query(make_query(".", LDNS_RR_TYPE_NS, 7));
    EXPECT_EQ(query.verdict, QueryVerdict::decide);
    EXPECT_EQ(query.policy_name(), "");
}

TEST(ParseQuery, DotInsideALabelCannotPoseAsASubdomain) {
    // Labels: "evil.allowed" "com" — presentation "evil\.allowed.com."
    std::vector<uint8_t> wire = bare_header(9, 0x01, 1);
    const std::string label = "evil.allowed";
    wire.push_back(static_cast<uint8_t>(label.size()));
    wire.insert(wire.end(), label.begin(), label.end());
    wire.insert(wire.end(), {3, 'c', 'o', 'm', 0, 0, 1, 0, 1});
    auto query = parse_query(wire);
    ASSERT_EQ(query.verdict, QueryVerdict::decide);
    EXPECT_EQ(query.policy_name(), "evil/allowed.com");
}

TEST(ParseQuery, DetectsEdns) {
    EXPECT_TRUE(parse_query(make_query("a.example.", LDNS_RR_TYPE_A, 1, true)).has_edns);
}

TEST(ParseQuery, IgnoresResponsesAndRunts) {
    auto response = make_query("a.example.", LDNS_RR_TYPE_A, 1);
    response[2] |= 0x80;
    EXPECT_EQ(parse_query(response).verdict, QueryVerdict::ignore);
    EXPECT_EQ(parse_query(std::vector<uint8_t>{0x12, 0x34, 0x01}).verdict, QueryVerdict::ignore);
    EXPECT_EQ(parse_query(std::vector<uint8_t>{}).verdict, QueryVerdict::ignore);
}

TEST(ParseQuery, OtherOpcodesAreNotImplemented) {
    auto status = make_query("a.example.", LDNS_RR_TYPE_A, 0x4242);
    status[2] = static_cast<uint8_t>((status[2] & 0x87) | (2 << 3));  // opcode STATUS
    auto query = parse_query(status);
    EXPECT_EQ(query.verdict, QueryVerdict::not_implemented);
    EXPECT_EQ(query.id, 0x4242);
}

TEST(ParseQuery, QuestionCountOtherThanOneIsFormError) {
    EXPECT_EQ(parse_query(bare_header(5, 0x01, 0)).verdict, QueryVerdict::form_error);
    auto two = make_query("a.example.", LDNS_RR_TYPE_A, 5);
    two[5] = 2;  // claims two questions, carries one
    EXPECT_EQ(parse_query(two).verdict, QueryVerdict::form_error);
}

TEST(ParseQuery, GarbageAfterTheHeaderIsFormError) {
    // Truncated question.
    auto truncated = make_query("a.example.", LDNS_RR_TYPE_A, 5);
    truncated.resize(truncated.size() - 3);
    EXPECT_EQ(parse_query(truncated).verdict, QueryVerdict::form_error);
    // A compression pointer that points at itself.
    std::vector<uint8_t> loop = bare_header(6, 0x01, 1);
    loop.insert(loop.end(), {0xC0, 12, 0, 1, 0, 1});
    auto query = parse_query(loop);
    EXPECT_EQ(query.verdict, QueryVerdict::form_error);
    EXPECT_EQ(query.id, 6);
}

TEST(BuildReply, NxdomainEchoesIdAndQuestion) {
    auto query = parse_query(make_query("Denied.Example.", LDNS_RR_TYPE_TXT, 0xBEEF));
    auto packet = parse(build_reply(query, ResponseCode::name_error, true).bytes());
    EXPECT_EQ(ldns_pkt_id(packet.get()), 0xBEEF);
    EXPECT_TRUE(ldns_pkt_qr(packet.get()));
    EXPECT_TRUE(ldns_pkt_rd(packet.get()));
    EXPECT_EQ(ldns_pkt_get_rcode(packet.get()), LDNS_RCODE_NXDOMAIN);
    EXPECT_EQ(ldns_pkt_ancount(packet.get()), 0);
    ASSERT_EQ(ldns_pkt_qdcount(packet.get()), 1);
    const ldns_rr* question = ldns_rr_list_rr(ldns_pkt_question(packet.get()), 0);
    EXPECT_EQ(ldns_rr_get_type(question), LDNS_RR_TYPE_TXT);
    char* owner = ldns_rdf2str(ldns_rr_owner(question));
    EXPECT_STREQ(owner, "Denied.Example.");
    LDNS_FREE(owner);
    EXPECT_FALSE(ldns_pkt_edns(packet.get())) << "no OPT when the query had none";
}

TEST(BuildReply, BlockedReplyCarriesExtendedErrorWhenQueryHadEdns) {
    auto query = parse_query(make_query("denied.example.", LDNS_RR_TYPE_A, 3, true));
    auto packet = parse(build_reply(query, ResponseCode::name_error, true).bytes());
    ASSERT_TRUE(ldns_pkt_edns(packet.get()));
    ldns_edns_option_list* options = ldns_pkt_edns_get_option_list(packet.get());
    ASSERT_NE(options, nullptr);
    ASSERT_EQ(ldns_edns_option_list_get_count(options), 1u);
    const ldns_edns_option* option = ldns_edns_option_list_get_option(options, 0);
    EXPECT_EQ(ldns_edns_get_code(option), LDNS_EDNS_EDE);
    ASSERT_GE(ldns_edns_get_size(option), 2u);
    const uint8_t* data = ldns_edns_get_data(option);
    EXPECT_EQ(data[0] << 8 | data[1], kExtendedErrorBlocked);
}

TEST(BuildReply, FormErrorWithoutQuestionKeepsId) {
    std::vector<uint8_t> loop = bare_header(0x0102, 0x01, 1);
    loop.insert(loop.end(), {0xC0, 12, 0, 1, 0, 1});
    auto packet = parse(build_reply(parse_query(loop), ResponseCode::form_error).bytes());
    EXPECT_EQ(ldns_pkt_id(packet.get()), 0x0102);
    EXPECT_EQ(ldns_pkt_get_rcode(packet.get()), LDNS_RCODE_FORMERR);
    EXPECT_EQ(ldns_pkt_qdcount(packet.get()), 0);
}

std::vector<uint8_t> make_answer() {
    ldns_pkt* raw = nullptr;
    EXPECT_EQ(ldns_pkt_query_new_frm_str(&raw, "www.example.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, LDNS_RD),
              LDNS_STATUS_OK);
    LdnsPacket packet(raw);
    ldns_pkt_set_qr(packet.get(), true);
    for (const char* text : {"www.example. 30 IN CNAME cdn.example.", "cdn.example. 120 IN A 198.51.100.7",
                             "cdn.example. 60 IN AAAA 2001:db8::7", "cdn.example. 60 IN TXT \"x\""}) {
        ldns_rr* record = nullptr;
        EXPECT_EQ(ldns_rr_new_frm_str(&record, text, 0, nullptr, nullptr), LDNS_STATUS_OK);
        ldns_pkt_push_rr(packet.get(), LDNS_SECTION_ANSWER, record);
    }
    return to_wire(packet.get());
}

TEST(ReadAnswer, CollectsEveryAddressWithItsTtl) {
    auto answer = read_answer(make_answer());
    ASSERT_TRUE(answer.parsed);
    EXPECT_EQ(answer.rcode, 0);
    EXPECT_FALSE(answer.truncated);
    ASSERT_EQ(answer.addresses.size(), 2u);
    EXPECT_EQ(answer.addresses[0].address.to_string(), "198.51.100.7");
    EXPECT_EQ(answer.addresses[0].ttl_seconds, 120u);
    EXPECT_EQ(answer.addresses[1].address.to_string(), "2001:db8::7");
    EXPECT_EQ(answer.addresses[1].ttl_seconds, 60u);
}

TEST(ReadAnswer, ReportsTruncationAndGarbage) {
    auto wire = make_answer();
    wire[2] |= 0x02;  // TC
    EXPECT_TRUE(read_answer(wire).truncated);
    EXPECT_FALSE(read_answer(std::vector<uint8_t>{1, 2, 3}).parsed);
}

TEST(SetMessageId, RewritesTheFirstTwoBytes) {
    auto wire = make_answer();
    set_message_id(wire, 0xA1B2);
    EXPECT_EQ(wire[0], 0xA1);
    EXPECT_EQ(wire[1], 0xB2);
    std::vector<uint8_t> tiny{9};
    set_message_id(tiny, 0xFFFF);
    EXPECT_EQ(tiny[0], 9);
}

}  // namespace
}  // namespace egress::dns
