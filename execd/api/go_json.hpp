#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>

// What upstream's Go JSON decoding says about a bad body, shared by every endpoint that decodes one.
namespace execd::api {

// Gin's prefix for a body that could not be decoded.
inline constexpr std::string_view kGoParsePrefix = "error parsing request, MAYBE invalid body format. ";

// A Go-style decoding error for one field, thrown while a body is decoded and caught once.
struct GoDecodeError {
    std::string message;
};

// The first JSON value of `body`, trailing bytes ignored as Go's Decoder does; else the decoder's
// error text ("EOF", "unexpected EOF", or the parse error).
std::variant<nlohmann::json, std::string> read_first_json_value(std::string_view body);

// The kind Go's encoding/json names for a JSON value ("string", "bool", "array", "object", "number").
std::string go_kind(const nlohmann::json& value);

}  // namespace execd::api
