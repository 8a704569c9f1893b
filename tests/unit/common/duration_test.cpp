#include "common/duration.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

TEST(ParseDuration, AcceptsGoSyntax) {
    EXPECT_EQ(common::parse_duration("300ms"), 300ms);
    EXPECT_EQ(common::parse_duration("1.5s"), 1500ms);
    EXPECT_EQ(common::parse_duration("2m"), 2min);
    EXPECT_EQ(common::parse_duration("1h30m"), 90min);
    EXPECT_EQ(common::parse_duration("0s"), 0ns);
    EXPECT_EQ(common::parse_duration("0"), 0ns);
    EXPECT_EQ(common::parse_duration("10us"), 10us);
    EXPECT_EQ(common::parse_duration("10\u00b5s"), 10us);  // micro sign
    EXPECT_EQ(common::parse_duration("10\u03bcs"), 10us);  // Greek mu
    EXPECT_EQ(common::parse_duration("15ns"), 15ns);
    EXPECT_EQ(common::parse_duration(".5s"), 500ms);
    EXPECT_EQ(common::parse_duration("1.s"), 1s);
    EXPECT_EQ(common::parse_duration("1h1m1s1ms1us1ns"), 1h + 1min + 1s + 1ms + 1us + 1ns);
    EXPECT_EQ(common::parse_duration("1.000000001s"), 1s + 1ns);
    EXPECT_EQ(common::parse_duration("-1.5h"), -90min);
    EXPECT_EQ(common::parse_duration("+5s"), 5s);
    EXPECT_EQ(common::parse_duration("-0"), 0ns);
}

TEST(ParseDuration, HandlesTheInt64Limits) {
    EXPECT_EQ(common::parse_duration("9223372036854775807ns"),
              nanoseconds(std::numeric_limits<int64_t>::max()));
    EXPECT_EQ(common::parse_duration("-9223372036854775808ns"),
              nanoseconds(std::numeric_limits<int64_t>::min()));
    EXPECT_EQ(common::parse_duration("9223372036854775808ns"), std::nullopt);
    EXPECT_EQ(common::parse_duration("9223372036s"), nanoseconds(9223372036000000000));
    EXPECT_EQ(common::parse_duration("9223372037s"), std::nullopt);
    EXPECT_EQ(common::parse_duration("2562048h"), std::nullopt);
    EXPECT_EQ(common::parse_duration("99999999999999999999s"), std::nullopt);
}

TEST(ParseDuration, RejectsGarbage) {
    for (const char* invalid : {"", "-", "+", "1", "10", "s", "1d", "1.5", ".s", "1 s", " 1s", "1s ", "1S",
                                "1sec", "ms", "1..5s", "1h-30m", "abc", "1e3s"}) {
        EXPECT_EQ(common::parse_duration(invalid), std::nullopt) << '"' << invalid << '"';
    }
}

TEST(ParseDurationOrThrow, MessageNamesTheInputAndTheProblem) {
    EXPECT_EQ(common::parse_duration_or_throw("250ms"), 250ms);
    const auto message_for = [](const char* text) -> std::string {
        try {
            common::parse_duration_or_throw(text);
        } catch (const std::invalid_argument& error) {
            return error.what();
        }
        return "no exception";
    };
    EXPECT_NE(message_for("10").find("missing unit"), std::string::npos) << message_for("10");
    EXPECT_NE(message_for("10").find("\"10\""), std::string::npos);
    EXPECT_NE(message_for("3d").find("unknown unit \"d\""), std::string::npos) << message_for("3d");
    EXPECT_NE(message_for("").find("empty"), std::string::npos) << message_for("");
    EXPECT_NE(message_for("99999999h").find("overflow"), std::string::npos) << message_for("99999999h");
}

TEST(FormatDuration, MatchesGoDurationString) {
    EXPECT_EQ(common::format_duration(0ns), "0s");
    EXPECT_EQ(common::format_duration(15ns), "15ns");
    EXPECT_EQ(common::format_duration(1500ns), "1.5\u00b5s");
    EXPECT_EQ(common::format_duration(100ms), "100ms");
    EXPECT_EQ(common::format_duration(1234567ns), "1.234567ms");
    EXPECT_EQ(common::format_duration(1s), "1s");
    EXPECT_EQ(common::format_duration(1500ms), "1.5s");
    EXPECT_EQ(common::format_duration(2min), "2m0s");
    EXPECT_EQ(common::format_duration(90min), "1h30m0s");
    EXPECT_EQ(common::format_duration(1h + 1ns), "1h0m0.000000001s");
    EXPECT_EQ(common::format_duration(-2min), "-2m0s");
    EXPECT_EQ(common::format_duration(nanoseconds(std::numeric_limits<int64_t>::min())),
              "-2562047h47m16.854775808s");
}

TEST(FormatDuration, RoundTripsThroughParse) {
    for (const nanoseconds value :
         {nanoseconds(1), nanoseconds(999), nanoseconds(1001), nanoseconds(123456789),
          nanoseconds(3723000000001), nanoseconds(-42000)}) {
        EXPECT_EQ(common::parse_duration(common::format_duration(value)), value)
            << common::format_duration(value);
    }
}

}  // namespace
