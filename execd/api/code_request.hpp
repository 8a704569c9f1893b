#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace execd::api {

// The body of POST /code (upstream's RunCodeRequest).
struct CodeRequest {
    std::string context_id;
    std::string language;
    std::string code;
};

// The body of POST /code/context (upstream's CodeContextRequest).
struct CodeContextRequest {
    std::string language;
    std::string cwd;
};

// Decode like Go's decoder (case-insensitive keys, unknown keys ignored, first JSON value only). On
// failure they return the whole 400 message, with upstream's prefixes.
std::variant<CodeRequest, std::string> parse_code_request(std::string_view body);
std::variant<CodeContextRequest, std::string> parse_code_context_request(std::string_view body);

}  // namespace execd::api
