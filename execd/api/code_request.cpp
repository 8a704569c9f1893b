#include "api/code_request.hpp"

#include <nlohmann/json.hpp>

#include "api/go_json.hpp"
#include "common/config.hpp"

namespace execd::api {
namespace {

using nlohmann::json;

void decode_string(const json& value, std::string_view field, std::string& out) {
    if (value.is_null()) {
        return;
    }
    if (!value.is_string()) {
        throw GoDecodeError{"json: cannot unmarshal " + go_kind(value) + " into Go struct field " +
                            std::string(field) + " of type string"};
    }
    out = value.get<std::string>();
}

std::variant<json, std::string> read_object(std::string_view body, std::string_view go_type) {
    auto read = read_first_json_value(body);
    if (const auto* error = std::get_if<std::string>(&read)) {
        return std::string(kGoParsePrefix) + *error;
    }
    json& document = std::get<json>(read);
    if (!document.is_null() && !document.is_object()) {
        return std::string(kGoParsePrefix) + "json: cannot unmarshal " + go_kind(document) +
               " into Go value of type " + std::string(go_type);
    }
    return std::move(document);
}

void decode_context(const json& value, CodeRequest& request) {
    if (value.is_null()) {
        return;
    }
    if (!value.is_object()) {
        throw GoDecodeError{"json: cannot unmarshal " + go_kind(value) +
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
    } catch (const GoDecodeError& error) {
        return std::string(kGoParsePrefix) + error.message;
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
    } catch (const GoDecodeError& error) {
        return std::string(kGoParsePrefix) + error.message;
    }
    return request;
}

}  // namespace execd::api
