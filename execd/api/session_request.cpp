#include "api/session_request.hpp"

#include <nlohmann/json.hpp>

#include "api/go_json.hpp"
#include "common/config.hpp"

namespace execd::api {
namespace {

using nlohmann::json;

constexpr std::string_view kParsePrefix = "error parsing request. ";
constexpr std::string_view kInvalidPrefix = "invalid request. ";

// Reads the first JSON value the way Go's decoder does; an empty body reads as `null` when allowed.
std::variant<json, std::string> read_body(std::string_view body, bool empty_allowed) {
    if (empty_allowed && common::trim(body).empty()) {
        return json();
    }
    return read_first_json_value(body);
}

std::string decode_string(const json& value, std::string_view go_struct, std::string_view field) {
    if (value.is_null()) {
        return "";
    }
    if (!value.is_string()) {
        throw GoDecodeError{"json: cannot unmarshal " + go_kind(value) + " into Go struct field " +
                            std::string(go_struct) + "." + std::string(field) + " of type string"};
    }
    return value.get<std::string>();
}

int64_t decode_milliseconds(const json& value, std::string_view field) {
    if (value.is_null()) {
        return 0;
    }
    if (value.is_number_integer() &&
        (!value.is_number_unsigned() || value.get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX))) {
        return value.get<int64_t>();
    }
    std::string kind = go_kind(value);
    if (value.is_number()) {
        kind += " " + value.dump();
    }
    throw GoDecodeError{"json: cannot unmarshal " + kind + " into Go struct field RunInSessionRequest." +
                        std::string(field) + " of type int64"};
}

std::string not_an_object(const json& value, std::string_view go_type) {
    return std::string(kParsePrefix) + "json: cannot unmarshal " + go_kind(value) +
           " into Go value of type " + std::string(go_type);
}

std::string validation_error(std::string_view field, std::string_view tag) {
    return std::string(kInvalidPrefix) + "Key: 'RunInSessionRequest." + std::string(field) +
           "' Error:Field validation for '" + std::string(field) + "' failed on the '" + std::string(tag) +
           "' tag";
}

void decode_run_field(const std::string& key, const json& value, SessionRunRequest& request) {
    using common::equals_ignoring_case;
    if (equals_ignoring_case(key, "command") || equals_ignoring_case(key, "code")) {
        if (std::string text = decode_string(value, "RunInSessionRequest", key); !text.empty()) {
            request.command = std::move(text);
        }
    } else if (equals_ignoring_case(key, "cwd")) {
        request.cwd = decode_string(value, "RunInSessionRequest", "cwd");
    } else if (equals_ignoring_case(key, "timeout") || equals_ignoring_case(key, "timeout_ms")) {
        if (const int64_t timeout = decode_milliseconds(value, key); timeout != 0) {
            request.timeout_ms = timeout;
        }
    }
}

}  // namespace

std::variant<CreateSessionRequest, std::string> parse_create_session_request(std::string_view body) {
    auto document = read_body(body, true);
    if (auto* error = std::get_if<std::string>(&document)) {
        return std::string(kParsePrefix) + *error;
    }
    const json& value = std::get<json>(document);
    if (!value.is_null() && !value.is_object()) {
        return not_an_object(value, "model.CreateSessionRequest");
    }
    CreateSessionRequest request;
    try {
        if (value.is_object()) {
            for (const auto& [key, item] : value.items()) {
                if (common::equals_ignoring_case(key, "cwd")) {
                    request.cwd = decode_string(item, "CreateSessionRequest", "cwd");
                }
            }
        }
    } catch (const GoDecodeError& error) {
        return std::string(kParsePrefix) + error.message;
    }
    return request;
}

std::variant<SessionRunRequest, std::string> parse_session_run_request(std::string_view body) {
    auto document = read_body(body, false);
    if (auto* error = std::get_if<std::string>(&document)) {
        return std::string(kParsePrefix) + *error;
    }
    const json& value = std::get<json>(document);
    if (!value.is_null() && !value.is_object()) {
        return not_an_object(value, "model.RunInSessionRequest");
    }
    SessionRunRequest request;
    try {
        if (value.is_object()) {
            for (const auto& [key, item] : value.items()) {
                decode_run_field(key, item, request);
            }
        }
    } catch (const GoDecodeError& error) {
        return std::string(kParsePrefix) + error.message;
    }
    if (request.command.empty()) {
        return validation_error("Command", "required");
    }
    if (request.command.find('\0') != std::string::npos) {
        return std::string(kInvalidPrefix) + "the command contains a NUL byte, which bash cannot hold";
    }
    if (request.timeout_ms < 0) {
        return validation_error("Timeout", "gte");
    }
    return request;
}

}  // namespace execd::api
