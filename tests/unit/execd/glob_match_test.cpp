#include "files/glob_match.hpp"

#include <gtest/gtest.h>

#include <string>

namespace execd::files {
namespace {

struct GlobCase {
    const char* pattern;
    const char* name;
    GlobResult expected;
};

constexpr GlobResult kMatch = GlobResult::match;
constexpr GlobResult kNo = GlobResult::no_match;
constexpr GlobResult kBad = GlobResult::bad_pattern;

TEST(GlobMatchTest, Table) {
    const GlobCase cases[] = {
        {"*", "a.txt", kMatch},
        {"**", "a.txt", kMatch},
        {"*.txt", "a.txt", kMatch},
        {"*.txt", "a.txt.bak", kNo},
        {"*.txt", ".txt", kMatch},
        {"a*b*c", "abc", kMatch},
        {"a*b*c", "axxbyyc", kMatch},
        {"a*b*c", "axxbyy", kNo},
        {"?.py", "a.py", kMatch},
        {"?.py", "ab.py", kNo},
        {"?", "é", kMatch},
        {"[abc].go", "b.go", kMatch},
        {"[abc].go", "d.go", kNo},
        {"[a-c]x", "bx", kMatch},
        {"[!a-c]x", "bx", kNo},
        {"[^a-c]x", "dx", kMatch},
        {"[\\]]", "]", kMatch},
        {"{a,b}.txt", "b.txt", kMatch},
        {"{a,b}.txt", "c.txt", kNo},
        {"x{a,{b,c}}y", "xcy", kMatch},
        {"*.{py,go}", "main.go", kMatch},
        {"\\*", "*", kMatch},
        {"\\*", "a", kNo},
        {"**/*.py", "a.py", kMatch},
        {"src/*.py", "a.py", kNo},
        {"!(*.py)", "a.go", kMatch},
        {"!(*.py)", "a.py", kNo},
        {"[", "a", kBad},
        {"[]", "a", kBad},
        {"{a,b", "a", kBad},
        {"a\\", "a", kBad},
        {"*[", "abc", kBad},
        {"!x", "x", kBad},
        {"a/*", "a/b", kMatch},
        {"a/*", "a/b/c", kNo},
        {"a/**", "a/b/c", kMatch},
        {"a/**/c", "a/c", kMatch},
        {"a/**/c", "a/x/y/c", kMatch},
        {"?", "/", kNo},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(glob_match(c.pattern, c.name), c.expected) << c.pattern << " vs " << c.name;
    }
}

// Without remembering failed positions these take C(100, 12) and 2^40 attempts.
TEST(GlobMatchTest, ManyStarsOnALongNameStayPolynomial) {
    const std::string name(100, 'a');
    EXPECT_EQ(glob_match("*a*a*a*a*a*a*a*a*a*a*a*a*c", name), kNo);
    EXPECT_EQ(glob_match("*a*a*a*a*a*a*a*a*a*a*a*a*", name), kMatch);
    EXPECT_EQ(glob_match("**/*a*a*a*a*a*a*a*a*a*a*a*a*c", name), kNo);
}

TEST(GlobMatchTest, ExplodingAlternativesAreTooComplex) {
    std::string pattern;
    for (int i = 0; i < 40; ++i) {
        pattern += "{a,aa}";
    }
    EXPECT_EQ(glob_match(pattern + "c", std::string(60, 'a')), GlobResult::too_complex);
    EXPECT_EQ(glob_match("{a,aa}{a,aa}c", "aaac"), kMatch);
}

TEST(GlobMatchTest, Validity) {
    EXPECT_TRUE(glob_is_valid("*.{a,b}"));
    EXPECT_TRUE(glob_is_valid("[!x]"));
    EXPECT_FALSE(glob_is_valid("[x"));
    EXPECT_FALSE(glob_is_valid("{x"));
    EXPECT_FALSE(glob_is_valid("x\\"));
}

}  // namespace
}  // namespace execd::files
