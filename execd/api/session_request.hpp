#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace execd::api {

// The optional body of POST /session.
struct CreateSessionRequest {
    std::string cwd;
};

// The body of POST /session/{id}/run. Both upstream spellings are accepted: `command` or the older
// `code`, `timeout` or the older `timeout_ms` (milliseconds either way).
struct SessionRunRequest {
    std::string command;
    std::string cwd;
    int64_t timeout_ms = 0;  // 0: none
};

// An empty body is allowed. On failure returns upstream's 400 message ("error parsing request. ...").
std::variant<CreateSessionRequest, std::string> parse_create_session_request(std::string_view body);

// On failure returns upstream's 400 message ("error parsing request. ..." or "invalid request. ...").
std::variant<SessionRunRequest, std::string> parse_session_run_request(std::string_view body);

}  // namespace execd::api
