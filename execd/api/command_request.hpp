#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace execd::api {

// The body of POST /command (upstream's RunCommandRequest).
struct CommandRequest {
    std::string command;
    std::string cwd;
    bool background = false;
    int64_t timeout_ms = 0;  // 0: none
    std::optional<uint32_t> uid;
    std::optional<uint32_t> gid;
    std::map<std::string, std::string> envs;
    // Not in upstream: end a foreground command's process group when its client goes away.
    bool cancel_on_disconnect = false;
    // Not in upstream: give the command a stdin pipe fed by POST /command/{id}/stdin.
    bool stdin = false;
};

// Decodes and validates a body the way upstream's Go decoder and validator do: keys match
// case-insensitively, unknown keys are ignored, only the first JSON value counts. On failure returns
// the full 400 message ("error parsing request, MAYBE invalid body format. ..." or
// "invalid request, validation error ...").
std::variant<CommandRequest, std::string> parse_command_request(std::string_view body);

}  // namespace execd::api
