#include "process/line_splitter.hpp"

#include <gtest/gtest.h>

namespace execd::process {
namespace {

using Lines = std::vector<std::string>;

Lines split(const std::vector<std::string>& reads,
            std::size_t max_line = LineSplitter::kDefaultMaxLineBytes) {
    LineSplitter splitter(max_line);
    Lines lines;
    const auto emit = [&](std::string_view line) { lines.emplace_back(line); };
    for (const auto& read : reads) {
        splitter.feed(read, emit);
    }
    splitter.flush(emit);
    return lines;
}

TEST(LineSplitterTest, NewlinesEndLinesWithoutTheTerminator) {
    EXPECT_EQ(split({"a\nb\n"}), (Lines{"a", "b"}));
}

TEST(LineSplitterTest, BlankLinesBecomeNewline) {
    EXPECT_EQ(split({"a\n\nb\n\n\nc\n"}), (Lines{"a", "\n", "b", "\n", "\n", "c"}));
    EXPECT_EQ(split({"\n"}), (Lines{"\n"}));
}

TEST(LineSplitterTest, CarriageReturnEndsALine) {
    EXPECT_EQ(split({"p1\rp2\n"}), (Lines{"p1", "p2"}));
    EXPECT_EQ(split({"a\r\rb"}), (Lines{"a", "\n", "b"}));
}

TEST(LineSplitterTest, CrLfIsOneTerminatorEvenAcrossReads) {
    EXPECT_EQ(split({"x\r\ny\r\n"}), (Lines{"x", "y"}));
    EXPECT_EQ(split({"x\r", "\ny\r", "\n"}), (Lines{"x", "y"}));
    EXPECT_EQ(split({"x\r\n\r\ny"}), (Lines{"x", "\n", "y"}));
}

TEST(LineSplitterTest, PartialLinesWaitForTheirEnd) {
    EXPECT_EQ(split({"he", "llo", "\nwor", "ld"}), (Lines{"hello", "world"}));
}

TEST(LineSplitterTest, FlushEmitsOnlyNonEmptyRest) {
    EXPECT_EQ(split({"a\n"}), (Lines{"a"}));
    EXPECT_EQ(split({""}), Lines{});
}

TEST(LineSplitterTest, LongLinesAreKeptWhole) {
    const std::string line(256 * 1024, 'x');
    EXPECT_EQ(split({line.substr(0, 1000), line.substr(1000), "\n"}), (Lines{line}));
}

TEST(LineSplitterTest, EndlessLineIsCutAtTheLimit) {
    EXPECT_EQ(split({"abcdefg", "h\n"}, 3), (Lines{"abc", "def", "gh"}));
    EXPECT_EQ(split({"abc\n"}, 3), (Lines{"abc"}));
}

}  // namespace
}  // namespace execd::process
