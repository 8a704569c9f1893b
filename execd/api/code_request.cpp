#include "api/code_request.hpp"

#include <nlohmann/json.hpp>
#include <sstream>

#include "common/config.hpp"

namespace execd::api {
namespace {

using nlohmann::json;

constexpr std::string_view kParsePrefix = "error parsing request, MAYBE invalid body format. ";

struct DecodeError {
    std::string message;
};

std::string go_kind(const json& value) {
    switch (value.type()) {
        case json::value_t::string:
            return "string";
        case json::value_t::boolean:
            return "bool";
        case json::value_t::array:
            return "array";
        case json::value_t::object:
            return "object";
        default:
            return "number";
    }
}

void decode_string(const json& value, std::string_view field, std::string& out) {
    if (value.is_null()) {
        return;
    }
    if (!value.is_string()) {
        throw DecodeError{"json: cannot unmarshal " + go_kind(value) + " into Go struct field " +
                          std::string(field) + " of type string"};
    }
    out = value.get<std::string>();
}

std::variant<json, std::string> read_object(std::string_view body, std::string_view go_type) {
    if (common::trim(body).empty()) {
        return std::string(kParsePrefix) + "EOF";
    }
    std::istringstream stream{std::string(body)};
    json document;
    try {
        stream >> document;
    } catch (const json::parse_error& error) {
        return std::string(kParsePrefix) + (error.byte >= body.size() ? "unexpected EOF" : error.what());
    }
    if (!document.is_null() && !document.is_object()) {
        return std::string(kParsePrefix) + "json: cannot unmarshal " + go_kind(document) +
               " into Go value of type " + std::string(go_type);
    }
    return document;
}

void decode_context(const json& value, CodeRequest& request) {
    if (value.is_null()) {
        return;
    }
    if (!value.is_object()) {
        throw DecodeError{"json: cannot unmarshal " + go_kind(value) +
                          " into Go struct field RunCodeRequest.context of type model.CodeContext"};
    }
    for (const auto& [key, item] : value.items()) {
        if (common::equals_ignoring_case(key, "id")) {
            decode_string(item, "RunCodeRequest.context.id", request.context_id);
        } else if (common::equals_ignoring_case(key, "language")) {
            decode_string(item, "RunCodeRequest.context.language", request.language);
        }
    }
}

}  // namespace

std::variant<CodeRequest, std::string> parse_code_request(std::string_view body) {
    auto document = read_object(body, "model.RunCodeRequest");
    if (auto* error = std::get_if<std::string>(&document)) {
        return *error;
    }
    const json& value = std::get<json>(document);
    CodeRequest request;
    try {
        if (value.is_object()) {
            for (const auto& [key, item] : value.items()) {
                if (common::equals_ignoring_case(key, "code")) {
                    decode_string(item, "RunCodeRequest.code", request.code);
                } else if (common::equals_ignoring_case(key, "context")) {
                    decode_context(item, request);
                }
            }
        }
    } catch (const DecodeError& error) {
        return std::string(kParsePrefix) + error.message;
    }
    if (request.code.empty()) {
        return std::string(
            "invalid request, validation error Key: 'RunCodeRequest.Code' Error:Field validation for 'Code' "
            "failed on the 'required' tag");
    }
    return request;
}

std::variant<CodeContextRequest, std::string> parse_code_context_request(std::string_view body) {
    auto document = read_object(body, "model.CodeContextRequest");
    if (auto* error = std::get_if<std::string>(&document)) {
        return *error;
    }
    const json& value = std::get<json>(document);
    CodeContextRequest request;
    try {
        if (value.is_object()) {
            for (const auto& [key, item] : value.items()) {
                if (common::equals_ignoring_case(key, "language")) {
                    decode_string(item, "CodeContextRequest.language", request.language);
                } else if (common::equals_ignoring_case(key, "cwd")) {
                    decode_string(item, "CodeContextRequest.cwd", request.cwd);
                }
            }
        }
    } catch (const DecodeError& error) {
        return std::string(kParsePrefix) + error.message;
    }
    return request;
}

}  // namespace execd::api
