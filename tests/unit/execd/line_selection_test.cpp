#include "files/line_selection.hpp"

#include <gtest/gtest.h>

#include <random>

namespace execd::files {
namespace {

// Upstream's loop over the whole input: ReadBytes('\n'), TrimRight(line, "\r\n"), join with '\n'.
std::string upstream_lines(std::string_view input, uint64_t offset, std::optional<uint64_t> limit) {
    std::string out;
    uint64_t number = 0;
    uint64_t written = 0;
    while (!input.empty()) {
        const std::size_t newline = input.find('\n');
        std::string_view line =
            input.substr(0, newline == std::string_view::npos ? input.size() : newline + 1);
        input.remove_prefix(line.size());
        while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) {
            line.remove_suffix(1);
        }
        if (++number < offset) {
            continue;
        }
        if (written > 0) {
            out.push_back('\n');
        }
        out.append(line);
        if (++written == limit) {
            break;
        }
    }
    return out;
}

// The selection fed in pieces of `piece_size` bytes.
std::string selected_in_pieces(std::string_view input, uint64_t offset, std::optional<uint64_t> limit,
                               std::size_t piece_size) {
    LineSelection selection(offset, limit);
    std::string out;
    while (!input.empty() && !selection.complete()) {
        const std::string_view piece = input.substr(0, piece_size);
        selection.feed(piece, out);
        input.remove_prefix(piece.size());
    }
    return out;
}

std::string lines_of(std::string_view input, uint64_t offset, std::optional<uint64_t> limit = std::nullopt) {
    return selected_in_pieces(input, offset, limit, input.size() + 1);
}

TEST(LineSelectionTest, LineEndingsAreStrippedAndLinesJoinedWithoutAFinalNewline) {
    EXPECT_EQ(lines_of("one\r\ntwo\nthree", 1), "one\ntwo\nthree");
    EXPECT_EQ(lines_of("a\r\r\nb\n", 1), "a\nb");
    EXPECT_EQ(lines_of("\r\n\r\nx\n", 1), "\n\nx");  // lone CRLFs are empty lines
    EXPECT_EQ(lines_of("a\n\n\nb\n", 1), "a\n\n\nb");
    EXPECT_EQ(lines_of("a\rb\r\n", 1), "a\rb");  // only trailing returns go
    EXPECT_EQ(lines_of("last\r\r", 1), "last");  // a last line without '\n' loses them too
    EXPECT_EQ(lines_of("\r", 1), "");
}

TEST(LineSelectionTest, OffsetAndLimit) {
    const std::string text = "l1\nl2\r\nl3\n\nl5";
    EXPECT_EQ(lines_of(text, 2, 2), "l2\nl3");
    EXPECT_EQ(lines_of(text, 3), "l3\n\nl5");
    EXPECT_EQ(lines_of(text, 4, 1), "");  // the empty line 4 alone
    EXPECT_EQ(lines_of(text, 4, 2), "\nl5");
    EXPECT_EQ(lines_of(text, 5, 10), "l5");
    EXPECT_EQ(lines_of(text, 6), "");  // past the end
    EXPECT_EQ(lines_of("", 1), "");
    EXPECT_EQ(lines_of(text, 1, 1), "l1");
}

TEST(LineSelectionTest, CompleteOnceTheLimitIsReached) {
    LineSelection selection(2, 1);
    std::string out;
    selection.feed("a\nb", out);
    EXPECT_FALSE(selection.complete());  // line 2 may go on
    selection.feed("c\r", out);
    EXPECT_FALSE(selection.complete());
    selection.feed("\nd\n", out);
    EXPECT_TRUE(selection.complete());
    EXPECT_EQ(out, "bc");
}

TEST(LineSelectionTest, AnyPieceSizeGivesUpstreamsBytes) {
    std::mt19937 random(7);
    const std::string alphabet = "ab\r\r\n";
    for (int round = 0; round < 300; ++round) {
        std::string input(random() % 40, 'x');
        for (char& c : input) {
            c = alphabet[random() % alphabet.size()];
        }
        const uint64_t offset = 1 + random() % 6;
        const std::optional<uint64_t> limit =
            random() % 3 == 0 ? std::nullopt : std::optional<uint64_t>(1 + random() % 4);
        const std::string expected = upstream_lines(input, offset, limit);
        for (const std::size_t piece_size : {1, 2, 3, 5, 64}) {
            EXPECT_EQ(selected_in_pieces(input, offset, limit, piece_size), expected)
                << "input \"" << input << "\" offset " << offset << " piece " << piece_size;
        }
    }
}

TEST(LineSelectionTest, CountsParseAsGoParseIntAndMustBePositive) {
    EXPECT_EQ(parse_line_count("1"), 1u);
    EXPECT_EQ(parse_line_count("+5"), 5u);
    EXPECT_EQ(parse_line_count("007"), 7u);
    EXPECT_EQ(parse_line_count("9223372036854775807"), 9223372036854775807u);
    for (const char* bad : {"0", "-1", "-0", "abc", "1x", " 1", "1 ", "+", "++1", "+-1", "1_000", "1.5",
                            "9223372036854775808", "99999999999999999999", ""}) {
        EXPECT_EQ(parse_line_count(bad), std::nullopt) << bad;
    }
}

}  // namespace
}  // namespace execd::files
