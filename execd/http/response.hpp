#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace execd::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// A complete (non-streamed) response.
struct Response {
    int status = 200;
    HeaderList headers;  // Content-Type goes here; Content-Length is added by the server
    std::string body;
};

// Upstream's empty success: 200, no body, no Content-Type.
Response empty_ok();

// Upstream's error body {"code":"...","message":"..."} (both omitted when empty).
Response json_error(int status, std::string_view code, std::string_view message);

// A JSON body with upstream's Content-Type.
Response json_response(int status, std::string body);

// Gin's answer for an unknown route: 404 "404 page not found".
Response not_found_page();

// The 401 upstream sends when the access token is missing or wrong.
Response unauthorized();

// Upstream's error codes.
namespace error_code {
inline constexpr std::string_view kContextNotFound = "CONTEXT_NOT_FOUND";
// This implementation's: a resumed stream asked for events its journal no longer holds.
inline constexpr std::string_view kEventsNotKept = "EVENTS_NOT_KEPT";
inline constexpr std::string_view kInvalidRequestBody = "INVALID_REQUEST_BODY";
inline constexpr std::string_view kMissingQuery = "MISSING_QUERY";
inline constexpr std::string_view kRuntimeError = "RUNTIME_ERROR";
inline constexpr std::string_view kUnknown = "UNKNOWN";
}  // namespace error_code

// The in-band error object written into a stream after it has started.
std::string error_object_json(std::string_view code, std::string_view message);

}  // namespace execd::http
