#include "api/session_request.hpp"

#include <gtest/gtest.h>

#include "api/session_run_stream.hpp"

namespace execd::api {
namespace {

std::string run_error(std::string_view body) {
    auto result = parse_session_run_request(body);
    return std::holds_alternative<std::string>(result) ? std::get<std::string>(result) : "(accepted)";
}

SessionRunRequest run(std::string_view body) {
    auto result = parse_session_run_request(body);
    if (auto* error = std::get_if<std::string>(&result)) {
        ADD_FAILURE() << *error;
        return {};
    }
    return std::get<SessionRunRequest>(result);
}

TEST(SessionRequestTest, AcceptsBothSpellings) {
    const SessionRunRequest current = run(R"({"command":"ls","cwd":"/w","timeout":30000})");
    EXPECT_EQ(current.command, "ls");
    EXPECT_EQ(current.cwd, "/w");
    EXPECT_EQ(current.timeout_ms, 30000);
    const SessionRunRequest older = run(R"({"code":"pwd","timeout_ms":5})");
    EXPECT_EQ(older.command, "pwd");
    EXPECT_EQ(older.timeout_ms, 5);
    EXPECT_EQ(run(R"({"CODE":"x","Timeout_MS":7,"other":1})").timeout_ms, 7);
}

TEST(SessionRequestTest, RejectsBadBodies) {
    EXPECT_EQ(run_error(""), "error parsing request. EOF");
    EXPECT_EQ(run_error("{}"),
              "invalid request. Key: 'RunInSessionRequest.Command' Error:Field validation "
              "for 'Command' failed on the 'required' tag");
    EXPECT_EQ(run_error(R"({"command":"x","timeout":-1})"),
              "invalid request. Key: 'RunInSessionRequest.Timeout' Error:Field validation for 'Timeout' "
              "failed on the 'gte' tag");
    EXPECT_EQ(run_error(R"({"command":5})"),
              "error parsing request. json: cannot unmarshal number into Go "
              "struct field RunInSessionRequest.command of type string");
    EXPECT_EQ(run_error(R"({"command":"x","timeout":"1"})"),
              "error parsing request. json: cannot unmarshal string into Go struct field "
              "RunInSessionRequest.timeout of type int64");
    EXPECT_EQ(run_error(R"([1])"),
              "error parsing request. json: cannot unmarshal array into Go value of type "
              "model.RunInSessionRequest");
    EXPECT_NE(run_error(R"({"command":"a\u0000b"})").find("NUL"), std::string::npos);
    EXPECT_EQ(run_error("{\"command\":"), "error parsing request. unexpected EOF");
}

TEST(SessionRequestTest, CreateBodyIsOptional) {
    auto empty = parse_create_session_request("");
    ASSERT_TRUE(std::holds_alternative<CreateSessionRequest>(empty));
    EXPECT_EQ(std::get<CreateSessionRequest>(empty).cwd, "");
    auto with_cwd = parse_create_session_request(R"({"cwd":"/w"})");
    EXPECT_EQ(std::get<CreateSessionRequest>(with_cwd).cwd, "/w");
    auto bad = parse_create_session_request(R"({"cwd":1})");
    ASSERT_TRUE(std::holds_alternative<std::string>(bad));
    EXPECT_EQ(std::get<std::string>(bad),
              "error parsing request. json: cannot unmarshal number into Go struct "
              "field CreateSessionRequest.cwd of type string");
}

TEST(SessionRequestTest, GoDurationText) {
    EXPECT_EQ(go_duration_text(0), "0s");
    EXPECT_EQ(go_duration_text(500), "500ms");
    EXPECT_EQ(go_duration_text(30000), "30s");
    EXPECT_EQ(go_duration_text(1500), "1.5s");
    EXPECT_EQ(go_duration_text(90000), "1m30s");
    EXPECT_EQ(go_duration_text(3'600'000), "1h0m0s");
    EXPECT_EQ(go_duration_text(1250), "1.25s");
}

}  // namespace
}  // namespace execd::api
