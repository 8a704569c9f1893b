#include "common/config.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <limits>
#include <string>

#include "scoped_env.hpp"

namespace {

constexpr const char* kVar = "COMMON_CONFIG_TEST_VAR";

TEST(Trim, RemovesSurroundingAsciiWhitespace) {
    EXPECT_EQ(common::trim("  a b \t\r\n"), "a b");
    EXPECT_EQ(common::trim(" \t "), "");
    EXPECT_EQ(common::trim(""), "");
    EXPECT_EQ(common::trim("x"), "x");
}

TEST(EqualsIgnoringCase, ComparesAsciiCaseInsensitively) {
    EXPECT_TRUE(common::equals_ignoring_case("WaRn", "warn"));
    EXPECT_FALSE(common::equals_ignoring_case("warn", "warning"));
    EXPECT_TRUE(common::equals_ignoring_case("", ""));
}

TEST(SplitList, TrimsAndDropsEmptyItems) {
    EXPECT_EQ(common::split_list(" a, ,b ,,c,"), (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(common::split_list(""), std::vector<std::string>{});
    EXPECT_EQ(common::split_list(" , "), std::vector<std::string>{});
    EXPECT_EQ(common::split_list("10.0.0.1"), std::vector<std::string>{"10.0.0.1"});
    EXPECT_EQ(common::split_list("k=v; x=y", ';'), (std::vector<std::string>{"k=v", "x=y"}));
}

TEST(IsTruthy, AcceptsOnlyTheDocumentedSpellings) {
    for (const char* truthy : {"1", "true", "TRUE", "yes", "Yes", "y", "Y", "on", "ON", " on \t"}) {
        EXPECT_TRUE(common::is_truthy(truthy)) << truthy;
    }
    for (const char* falsy : {"", "0", "false", "no", "off", "2", "tru", "yess", "enabled", "o n"}) {
        EXPECT_FALSE(common::is_truthy(falsy)) << falsy;
    }
}

TEST(ParseInt, IsStrict) {
    EXPECT_EQ(common::parse_int("42"), 42);
    EXPECT_EQ(common::parse_int("-7"), -7);
    EXPECT_EQ(common::parse_int("+7"), 7);
    EXPECT_EQ(common::parse_int("0"), 0);
    EXPECT_EQ(common::parse_int("9223372036854775807"), std::numeric_limits<int64_t>::max());
    for (const char* invalid :
         {"", " 2", "2 ", "2x", "0x10", "+", "-", "+-1", "1.5", "9223372036854775808"}) {
        EXPECT_EQ(common::parse_int(invalid), std::nullopt) << invalid;
    }
}

TEST(EnvRaw, DistinguishesUnsetFromEmpty) {
    {
        const ScopedEnv env(kVar, nullptr);
        EXPECT_EQ(common::env_raw(kVar), std::nullopt);
        EXPECT_EQ(common::env_trimmed(kVar), std::nullopt);
    }
    {
        const ScopedEnv env(kVar, "");
        EXPECT_EQ(common::env_raw(kVar), "");
    }
    {
        const ScopedEnv env(kVar, "  token  ");
        EXPECT_EQ(common::env_raw(kVar), "  token  ");
        EXPECT_EQ(common::env_trimmed(kVar), "token");
    }
}

TEST(EnvOr, FallsBackWhenUnsetOrEmpty) {
    {
        const ScopedEnv env(kVar, nullptr);
        EXPECT_EQ(common::env_or(kVar, ":18080"), ":18080");
    }
    {
        const ScopedEnv env(kVar, "");
        EXPECT_EQ(common::env_or(kVar, ":18080"), ":18080");
    }
    {
        const ScopedEnv env(kVar, ":9000");
        EXPECT_EQ(common::env_or(kVar, ":18080"), ":9000");
    }
}

TEST(EnvTruthy, ReadsTheVariable) {
    {
        const ScopedEnv env(kVar, nullptr);
        EXPECT_FALSE(common::env_truthy(kVar));
    }
    {
        const ScopedEnv env(kVar, " Yes ");
        EXPECT_TRUE(common::env_truthy(kVar));
    }
    {
        const ScopedEnv env(kVar, "nope");
        EXPECT_FALSE(common::env_truthy(kVar));
    }
}

// OPENSANDBOX_EGRESS_MAX_NS-style: default 3, valid range [0, 10].
TEST(EnvIntInRangeOr, InvalidOrOutOfRangeGivesDefault) {
    const auto read = [](const char* value) {
        const ScopedEnv env(kVar, value);
        return common::env_int_in_range_or(kVar, 3, 0, 10);
    };
    EXPECT_EQ(read(nullptr), 3);
    EXPECT_EQ(read(""), 3);
    EXPECT_EQ(read("abc"), 3);
    EXPECT_EQ(read(" 2"), 3);  // not trimmed, like upstream
    EXPECT_EQ(read("-1"), 3);
    EXPECT_EQ(read("11"), 3);
    EXPECT_EQ(read("0"), 0);
    EXPECT_EQ(read("10"), 10);
    EXPECT_EQ(read("7"), 7);
}

TEST(EnvIntClamped, OutOfRangeIsClampedButInvalidGivesDefault) {
    const auto read = [](const char* value) {
        const ScopedEnv env(kVar, value);
        return common::env_int_clamped(kVar, 3, 0, 10);
    };
    EXPECT_EQ(read(nullptr), 3);
    EXPECT_EQ(read("x"), 3);
    EXPECT_EQ(read("-5"), 0);
    EXPECT_EQ(read("50"), 10);
    EXPECT_EQ(read("4"), 4);
}

TEST(EnvInt, RejectsAnEmptyRange) {
    EXPECT_THROW(common::env_int_in_range_or(kVar, 0, 5, 1), std::invalid_argument);
    EXPECT_THROW(common::env_int_clamped(kVar, 0, 5, 1), std::invalid_argument);
}

TEST(EnvList, SplitsTheVariable) {
    {
        const ScopedEnv env(kVar, nullptr);
        EXPECT_TRUE(common::env_list(kVar).empty());
    }
    {
        const ScopedEnv env(kVar, "1.1.1.1, 8.8.8.8 ,,");
        EXPECT_EQ(common::env_list(kVar), (std::vector<std::string>{"1.1.1.1", "8.8.8.8"}));
    }
}

}  // namespace
