#include "session/shell_protocol.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace execd::session {
namespace {

// What real bash makes of a quoted word: the script `printf '%s' <word>` run from a file.
std::string bash_reads(const std::string& word) {
    char path[] = "/tmp/shell_protocol_test_XXXXXX";
    const int fd = ::mkstemp(path);
    const std::string script = "printf '%s' " + word + "\n";
    EXPECT_EQ(::write(fd, script.data(), script.size()), static_cast<ssize_t>(script.size()));
    ::close(fd);
    FILE* pipe = ::popen(("bash " + std::string(path)).c_str(), "r");
    std::string out;
    std::array<char, 4096> buffer;
    std::size_t got = 0;
    while ((got = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
        out.append(buffer.data(), got);
    }
    ::pclose(pipe);
    ::unlink(path);
    return out;
}

TEST(ShellProtocolTest, AnsiCQuoteEscapesEverythingBashCouldInterpret) {
    EXPECT_EQ(ansi_c_quote("echo hi"), "$'echo hi'");
    EXPECT_EQ(ansi_c_quote("a'b\\c!\n\x1e"), "$'a\\x27b\\x5cc\\x21\\x0a\\x1e'");
}

TEST(ShellProtocolTest, AnsiCQuoteRoundTripsThroughRealBash) {
    const std::string text = "$HOME `id` \"q\" 'single' back\\slash !! \n\ttab \x01 é \x7f end";
    EXPECT_EQ(bash_reads(ansi_c_quote(text)), text);
}

// The streams are separate pipes read in no fixed order: each carries its own start marker.
TEST(ShellProtocolTest, StartMarkerGoesToBothStreams) {
    const std::string input = run_input("0123abcd", "true", "");
    const std::string first_line = input.substr(0, input.find('\n'));
    EXPECT_NE(first_line.find("0123abcd start >&62"), std::string::npos) << first_line;
    EXPECT_NE(first_line.find("0123abcd start >&63"), std::string::npos) << first_line;
    EXPECT_LT(first_line.find("start >&63"), first_line.find("eval")) << first_line;
}

TEST(ShellProtocolTest, InputNeverContainsTheMarkerByte) {
    const std::string input = run_input("0123abcd", "echo $'\\x1e'", "/tmp/it's");
    EXPECT_EQ(input.find('\x1e'), std::string::npos);
    EXPECT_EQ(std::count(input.begin(), input.end(), '\n'), 2);
    EXPECT_NE(input.find("\\builtin cd -- $'/tmp/it\\x27s' && "), std::string::npos);
    EXPECT_EQ(marker_input("t").find('\x1e'), std::string::npos);
}

TEST(ShellProtocolTest, SplitsTextAndMarkers) {
    const auto pieces = split_markers(
        "abc\x1e"
        "EXECD:tok:0\x1e");
    ASSERT_EQ(pieces.size(), 2u);
    EXPECT_FALSE(pieces[0].is_marker);
    EXPECT_EQ(pieces[0].text, "abc");
    EXPECT_TRUE(pieces[1].is_marker);
    EXPECT_EQ(pieces[1].token, "tok");
    EXPECT_EQ(pieces[1].value, "0");
}

TEST(ShellProtocolTest, SeveralMarkersInOneLine) {
    const auto pieces = split_markers(
        "\x1e"
        "EXECD:a:start\x1e"
        "x\x1e"
        "EXECD:a:end\x1e");
    ASSERT_EQ(pieces.size(), 3u);
    EXPECT_EQ(pieces[0].value, "start");
    EXPECT_EQ(pieces[1].text, "x");
    EXPECT_EQ(pieces[2].value, "end");
}

TEST(ShellProtocolTest, LoneSeparatorBytesStayText) {
    const auto pieces = split_markers(
        "a\x1e"
        "b\x1e"
        "c\x1e"
        "EXECD:t:1\x1e"
        "d");
    ASSERT_EQ(pieces.size(), 3u);
    EXPECT_EQ(pieces[0].text,
              "a\x1e"
              "b\x1e"
              "c");
    EXPECT_EQ(pieces[1].token, "t");
    EXPECT_EQ(pieces[2].text, "d");
    EXPECT_TRUE(split_markers("").empty());
    EXPECT_EQ(split_markers("plain")[0].text, "plain");
}

}  // namespace
}  // namespace execd::session
