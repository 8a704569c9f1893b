// Kernel messages into upstream's events, and when a run ends.
#include "api/code_run.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/code_request.hpp"

namespace execd::api {
namespace {

using nlohmann::json;

struct RecordingSink : CodeRunSink {
    std::vector<std::string> events;
    std::string failure;
    bool finished = false;

    void send(std::vector<http::StreamEvent> batch) override {
        for (const auto& event : batch) {
            events.push_back(normalized(event));
        }
    }
    void finish(std::vector<http::StreamEvent> batch, http::StreamEvent terminal) override {
        send(std::move(batch));
        events.push_back(terminal.type);
        finished = true;
    }
    void fail(std::string message) override { failure = std::move(message); }

    static std::string normalized(http::StreamEvent event) {
        event.timestamp = 0;
        return http::to_json(event);
    }
};

jupyter::KernelMessage message(std::string type, json content) {
    return {std::move(type), "run", std::move(content)};
}

class CodeRunTest : public ::testing::Test {
  protected:
    std::shared_ptr<RecordingSink> sink = std::make_shared<RecordingSink>();
    int ended = 0;
    CodeRun run{sink, [this] { ++ended; }};
};

TEST_F(CodeRunTest, StreamsBecomeOutputVerbatim) {
    run.on_message(message("stream", {{"name", "stdout"}, {"text", "a\nb\n"}}));
    run.on_message(message("stream", {{"name", "stderr"}, {"text", "e"}}));
    EXPECT_EQ(sink->events, (std::vector<std::string>{R"({"type":"stdout","text":"a\nb\n"})",
                                                      R"({"type":"stderr","text":"e"})"}));
}

TEST_F(CodeRunTest, ExecuteResultGivesCountThenResult) {
    run.on_message(message("execute_result", {{"execution_count", 3},
                                              {"data", {{"text/plain", "2"}, {"text/html", "<b>2</b>"}}}}));
    EXPECT_EQ(sink->events, (std::vector<std::string>{
                                R"({"type":"execution_count","execution_count":3})",
                                R"({"type":"result","results":{"text":"2","text/html":"<b>2</b>"}})"}));
}

TEST_F(CodeRunTest, DisplayDataBecomesAResult) {
    run.on_message(message("display_data", {{"data", {{"image/png", "iVBOR"}, {"text/plain", "<Figure>"}}}}));
    run.on_message(message("update_display_data", {{"data", {{"text/plain", "2"}}}}));
    EXPECT_EQ(sink->events, (std::vector<std::string>{
                                R"({"type":"result","results":{"image/png":"iVBOR","text":"<Figure>"}})",
                                R"({"type":"result","results":{"text":"2"}})"}));
}

TEST_F(CodeRunTest, ErrorGivesStatusThenError) {
    run.on_message(
        message("error", {{"ename", "ValueError"}, {"evalue", "bad"}, {"traceback", {"l1", "l2"}}}));
    EXPECT_EQ(
        sink->events,
        (std::vector<std::string>{
            R"({"type":"status","text":"error"})",
            R"({"type":"error","error":{"ename":"ValueError","evalue":"bad","traceback":["l1","l2"]}})"}));
}

TEST_F(CodeRunTest, EndsOnlyWhenBothIdleAndReplyArrived) {
    run.on_message(message("status", {{"execution_state", "busy"}}));
    run.on_message(message("status", {{"execution_state", "idle"}}));
    EXPECT_FALSE(sink->finished);
    run.on_message(message("execute_reply", {{"status", "ok"}, {"execution_count", 1}}));
    EXPECT_TRUE(sink->finished);
    EXPECT_EQ(sink->events.back(), "execution_complete");
    EXPECT_EQ(ended, 1);
    run.on_message(message("stream", {{"name", "stdout"}, {"text", "late"}}));
    run.on_lost("gone");
    EXPECT_EQ(sink->events.size(), 1u);
    EXPECT_EQ(sink->failure, "");
    EXPECT_EQ(ended, 1);
}

TEST_F(CodeRunTest, ReplyBeforeIdleAlsoEnds) {
    run.on_message(message("execute_reply", {{"status", "aborted"}}));
    EXPECT_FALSE(sink->finished);
    run.on_message(message("status", {{"execution_state", "idle"}}));
    EXPECT_TRUE(sink->finished);
}

TEST_F(CodeRunTest, ALostConnectionFailsTheRunOnce) {
    run.on_lost("connection lost");
    run.on_lost("again");
    EXPECT_EQ(sink->failure, "connection lost");
    EXPECT_EQ(ended, 1);
}

TEST(CodeRequest, DecodesLikeGo) {
    const auto request = std::get<CodeRequest>(
        parse_code_request(R"({"Context":{"ID":"c","language":"python"},"code":"1","x":2})"));
    EXPECT_EQ(request.context_id, "c");
    EXPECT_EQ(request.language, "python");
    EXPECT_EQ(request.code, "1");
    EXPECT_EQ(std::get<std::string>(parse_code_request("")),
              "error parsing request, MAYBE invalid body format. EOF");
    EXPECT_EQ(
        std::get<std::string>(parse_code_request(R"({"code":""})")),
        "invalid request, validation error Key: 'RunCodeRequest.Code' Error:Field validation for 'Code' "
        "failed on the 'required' tag");
    EXPECT_EQ(
        std::get<std::string>(parse_code_request(R"({"code":1})")),
        "error parsing request, MAYBE invalid body format. json: cannot unmarshal number into Go struct "
        "field RunCodeRequest.code of type string");
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_code_request(R"({"code":"1","context":[]})")));
}

TEST(CodeContextRequest, DecodesLanguageAndCwd) {
    const auto request =
        std::get<CodeContextRequest>(parse_code_context_request(R"({"language":"python","cwd":"/w"})"));
    EXPECT_EQ(request.language, "python");
    EXPECT_EQ(request.cwd, "/w");
    EXPECT_TRUE(std::holds_alternative<CodeContextRequest>(parse_code_context_request("null")));
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_code_context_request("[1]")));
}

}  // namespace
}  // namespace execd::api
