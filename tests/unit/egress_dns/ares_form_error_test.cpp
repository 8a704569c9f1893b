#include "dns/ares_form_error.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace egress::dns {
namespace {

// A 12-byte header: ID 0x1234, the given flag bytes, one question, nothing else.
std::vector<uint8_t> header(uint8_t flags_high, uint8_t flags_low) {
    return {0x12, 0x34, flags_high, flags_low, 0, 1, 0, 0, 0, 0, 0, 0};
}

TEST(AresFormError, AFormErrorResponseIsConcealedAndRevealed) {
    auto response = header(0x81, 0x81);  // QR RD, RA, RCODE 1
    conceal_form_error(response);
    EXPECT_NE(response[3] & 0x0F, 1);
    EXPECT_EQ(response[3] & 0xF0, 0x80) << "the other flags stay";
    EXPECT_EQ(revealed_rcode(response), 1);
}

TEST(AresFormError, OtherResponsesAndQueriesAreLeftAlone) {
    for (uint8_t rcode : {0, 2, 3, 5}) {
        auto response = header(0x81, static_cast<uint8_t>(0x80 | rcode));
        const auto before = response;
        conceal_form_error(response);
        EXPECT_EQ(response, before);
        EXPECT_EQ(revealed_rcode(response), rcode);
    }
    auto query = header(0x01, 0x01);  // QR clear: not a response
    const auto before = query;
    conceal_form_error(query);
    EXPECT_EQ(query, before);
}

TEST(AresFormError, ShortMessagesAreLeftAloneAndHaveNoRcode) {
    std::vector<uint8_t> short_message{0x12, 0x34, 0x81, 0x81};
    conceal_form_error(short_message);
    EXPECT_EQ(short_message[3], 0x81);
    EXPECT_EQ(revealed_rcode(short_message), 0xFF);
}

}  // namespace
}  // namespace egress::dns
