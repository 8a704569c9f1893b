#include "api/pty_frames.hpp"

#include <gtest/gtest.h>

#include <csignal>

namespace execd::api {
namespace {

TEST(PtyFramesTest, ServerFramesUseUpstreamsEncoding) {
    EXPECT_EQ(pty_frame::output(false, "ab"), std::string("\x01"
                                                          "ab"));
    EXPECT_EQ(pty_frame::output(true, "ab"), std::string("\x02"
                                                         "ab"));
    EXPECT_EQ(pty_frame::replay(0x0102, "z"), std::string("\x03\0\0\0\0\0\0\x01\x02z", 10));
    EXPECT_EQ(pty_frame::connected("id1", pty::PtyMode::pipe),
              R"({"mode":"pipe","session_id":"id1","type":"connected"})");
    EXPECT_EQ(pty_frame::exit(-1), R"({"exit_code":-1,"type":"exit"})");
    EXPECT_EQ(pty_frame::error("bad", "INVALID_FRAME"),
              R"({"code":"INVALID_FRAME","error":"bad","type":"error"})");
}

TEST(PtyFramesTest, ParsesClientTextFrames) {
    EXPECT_EQ(std::get<StdinFrame>(parse_client_text_frame(R"({"type":"stdin","data":"ls\n"})")).data,
              "ls\n");
    const auto resize =
        std::get<ResizeFrame>(parse_client_text_frame(R"({"type":"resize","cols":120,"rows":40})"));
    EXPECT_EQ(resize.size.cols, 120);
    EXPECT_EQ(resize.size.rows, 40);
    EXPECT_EQ(std::get<SignalFrame>(parse_client_text_frame(R"({"type":"signal","signal":"SIGINT"})")).signal,
              SIGINT);
    EXPECT_TRUE(std::holds_alternative<PingFrame>(parse_client_text_frame(R"({"type":"ping"})")));
    EXPECT_TRUE(std::holds_alternative<IgnoredFrame>(parse_client_text_frame("{nope")));
}

TEST(PtyFramesTest, RejectsBadFieldsWithAMessage) {
    for (const char* text :
         {R"({"type":"resize","cols":0,"rows":40})", R"({"type":"resize","cols":5000,"rows":40})",
          R"({"type":"resize","cols":"80","rows":40})", R"({"type":"resize"})",
          R"({"type":"signal","signal":"SIGSEGV"})", R"({"type":"stdin"})", R"({"type":"x"})"}) {
        const auto frame = parse_client_text_frame(text);
        ASSERT_TRUE(std::holds_alternative<InvalidFrame>(frame)) << text;
        EXPECT_FALSE(std::get<InvalidFrame>(frame).message.empty()) << text;
    }
    EXPECT_EQ(std::get<InvalidFrame>(parse_client_text_frame(R"({"type":"x"})")).message,
              "unknown frame type \"x\"");
}

}  // namespace
}  // namespace execd::api
