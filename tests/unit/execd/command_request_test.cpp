#include "api/command_request.hpp"

#include <gtest/gtest.h>

namespace execd::api {
namespace {

CommandRequest parsed(std::string_view body) {
    auto result = parse_command_request(body);
    if (auto* error = std::get_if<std::string>(&result)) {
        ADD_FAILURE() << *error;
        return {};
    }
    return std::get<CommandRequest>(result);
}

std::string error_of(std::string_view body) {
    auto result = parse_command_request(body);
    return std::holds_alternative<std::string>(result) ? std::get<std::string>(result) : "(accepted)";
}

TEST(CommandRequestTest, AllFields) {
    const CommandRequest request = parsed(
        R"({"command":"ls","cwd":"/w","background":true,"timeout":30000,"uid":1000,"gid":100,"envs":{"A":"1"}})");
    EXPECT_EQ(request.command, "ls");
    EXPECT_EQ(request.cwd, "/w");
    EXPECT_TRUE(request.background);
    EXPECT_EQ(request.timeout_ms, 30000);
    EXPECT_EQ(request.uid, 1000u);
    EXPECT_EQ(request.gid, 100u);
    EXPECT_EQ(request.envs.at("A"), "1");
}

TEST(CommandRequestTest, CancelOnDisconnectIsOptIn) {
    EXPECT_FALSE(parsed(R"({"command":"x"})").cancel_on_disconnect);
    EXPECT_TRUE(parsed(R"({"command":"x","cancel_on_disconnect":true})").cancel_on_disconnect);
    EXPECT_EQ(
        error_of(R"({"command":"x","cancel_on_disconnect":"yes"})"),
        "error parsing request, MAYBE invalid body format. json: cannot unmarshal string into Go struct "
        "field RunCommandRequest.cancel_on_disconnect of type bool");
}

TEST(CommandRequestTest, GoDecoderLeniency) {
    EXPECT_EQ(parsed(R"({"COMMAND":"x","Background":true,"extra":[1]})").command, "x");
    EXPECT_EQ(parsed(R"({"command":"x","cwd":null,"uid":null} {"not":"read"})").uid, std::nullopt);
}

TEST(CommandRequestTest, DecodeErrors) {
    const std::string prefix = "error parsing request, MAYBE invalid body format. ";
    EXPECT_EQ(error_of("  "), prefix + "EOF");
    EXPECT_EQ(error_of(R"({"command":)"), prefix + "unexpected EOF");
    EXPECT_EQ(error_of(R"("text")"),
              prefix + "json: cannot unmarshal string into Go value of type model.RunCommandRequest");
    EXPECT_EQ(
        error_of(R"({"command":1})"),
        prefix +
            "json: cannot unmarshal number into Go struct field RunCommandRequest.command of type string");
    EXPECT_EQ(error_of(R"({"command":"x","gid":4294967296,"uid":1})"),
              prefix +
                  "json: cannot unmarshal number 4294967296 into Go struct field RunCommandRequest.gid of "
                  "type uint32");
    EXPECT_EQ(
        error_of(R"({"command":"x","timeout":1.5})"),
        prefix +
            "json: cannot unmarshal number 1.5 into Go struct field RunCommandRequest.timeout of type int64");
    EXPECT_EQ(
        error_of(R"({"command":"x","envs":{"A":1}})"),
        prefix + "json: cannot unmarshal number into Go struct field RunCommandRequest.envs of type string");
}

TEST(CommandRequestTest, ValidationErrors) {
    EXPECT_EQ(error_of("null"),
              "invalid request, validation error Key: 'RunCommandRequest.Command' Error:Field "
              "validation for 'Command' failed on the 'required' tag");
    EXPECT_EQ(error_of(R"({"command":"x","gid":1})"),
              "invalid request, validation error uid is required when gid is provided");
    EXPECT_NE(error_of(R"({"command":"x","timeout":-5})").find("'gte' tag"), std::string::npos);
}

}  // namespace
}  // namespace execd::api
