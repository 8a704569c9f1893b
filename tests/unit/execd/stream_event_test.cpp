#include "http/stream_event.hpp"

#include <gtest/gtest.h>

namespace execd::http {
namespace {

StreamEvent at(StreamEvent event, int64_t timestamp) {
    event.timestamp = timestamp;
    return event;
}

TEST(StreamEventTest, UpstreamFieldOrderAndOmission) {
    EXPECT_EQ(to_json(at(StreamEvent::init("abc"), 5)), R"({"type":"init","text":"abc","timestamp":5})");
    EXPECT_EQ(to_json(at(StreamEvent::ping(), 5)), R"({"type":"ping","text":"pong","timestamp":5})");
    EXPECT_EQ(to_json(at(StreamEvent::output(true, "warn"), 5)),
              R"({"type":"stderr","text":"warn","timestamp":5})");
    EXPECT_EQ(to_json(at(StreamEvent::complete(4), 5)),
              R"({"type":"execution_complete","execution_time":4,"timestamp":5})");
    EXPECT_EQ(to_json(at(StreamEvent::complete(0), 5)), R"({"type":"execution_complete","timestamp":5})");
}

TEST(StreamEventTest, ErrorEvent) {
    const auto exit3 =
        StreamEvent::failure({"CommandExecError", "3", std::vector<std::string>{"exit status 3"}});
    EXPECT_EQ(to_json(at(exit3, 7)),
              R"({"type":"error","timestamp":7,"error":{"ename":"CommandExecError","evalue":"3",)"
              R"("traceback":["exit status 3"]}})");
    const auto no_traceback = StreamEvent::failure({"E", "v", std::nullopt});
    EXPECT_EQ(to_json(at(no_traceback, 7)),
              R"({"type":"error","timestamp":7,"error":{"ename":"E","evalue":"v","traceback":null}})");
}

TEST(StreamEventTest, OutputFramesMatchTheirEvents) {
    for (const std::string& line :
         std::vector<std::string>{"hi", "", "\n", "a\"b\\c\r\x01\xff", std::string(70000, 'x')}) {
        for (const bool is_stderr : {false, true}) {
            for (const int64_t eid : {int64_t{0}, int64_t{1}, int64_t{9000000000}}) {
                std::string framed = "prefix";
                append_output_frame(framed, eid, is_stderr, line, 1234);
                auto event = at(StreamEvent::output(is_stderr, line), 1234);
                event.eid = eid;
                EXPECT_EQ(framed, "prefix" + frame_event(event));
            }
        }
    }
}

TEST(StreamEventTest, TheEventIdComesFirstAndOnlyWhenSet) {
    auto complete = at(StreamEvent::complete(12), 7);
    EXPECT_EQ(to_json(complete), R"({"type":"execution_complete","execution_time":12,"timestamp":7})");
    complete.eid = 42;
    EXPECT_EQ(to_json(complete),
              R"({"eid":42,"type":"execution_complete","execution_time":12,"timestamp":7})");
}

TEST(StreamEventTest, TextIsEscapedOnOneLine) {
    const std::string json = to_json(at(StreamEvent::output(false, "a\"b\\c\n\x1b[0m\xff"), 1));
    EXPECT_EQ(json, "{\"type\":\"stdout\",\"text\":\"a\\\"b\\\\c\\n\\u001b[0m\\ufffd\",\"timestamp\":1}");
    EXPECT_EQ(frame_event(at(StreamEvent::ping(), 1)),
              "{\"type\":\"ping\",\"text\":\"pong\",\"timestamp\":1}\n\n");
}

TEST(StreamEventTest, TimestampIsUnixMilliseconds) {
    const int64_t now = unix_millis_now();
    EXPECT_GT(now, 1'600'000'000'000);
    EXPECT_LT(now, 4'000'000'000'000);
}

}  // namespace
}  // namespace execd::http
