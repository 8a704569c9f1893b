#include "api/command_request.hpp"

#include <limits>
#include <nlohmann/json.hpp>

#include "api/go_json.hpp"
#include "common/config.hpp"

namespace execd::api {
namespace {

using nlohmann::json;

constexpr std::string_view kValidationPrefix = "invalid request, validation error ";

GoDecodeError type_error(const json& value, std::string_view field, std::string_view go_type,
                         bool show_number) {
    std::string kind = go_kind(value);
    if (show_number && value.is_number()) {
        kind += " " + value.dump();
    }
    return {"json: cannot unmarshal " + kind + " into Go struct field RunCommandRequest." +
            std::string(field) + " of type " + std::string(go_type)};
}

void decode_string(const json& value, std::string_view field, std::string& out) {
    if (value.is_null()) {
        return;
    }
    if (!value.is_string()) {
        throw type_error(value, field, "string", false);
    }
    out = value.get<std::string>();
}

void decode_bool(const json& value, std::string_view field, bool& out) {
    if (value.is_null()) {
        return;
    }
    if (!value.is_boolean()) {
        throw type_error(value, field, "bool", false);
    }
    out = value.get<bool>();
}

int64_t decode_integer(const json& value, std::string_view field, std::string_view go_type, int64_t min,
                       int64_t max) {
    if (value.is_number_unsigned() && value.get<uint64_t>() <= static_cast<uint64_t>(max)) {
        return static_cast<int64_t>(value.get<uint64_t>());
    }
    if (value.is_number_integer() && !value.is_number_unsigned()) {
        const int64_t number = value.get<int64_t>();
        if (number >= min && number <= max) {
            return number;
        }
    }
    throw type_error(value, field, go_type, true);
}

void decode_envs(const json& value, std::map<std::string, std::string>& out) {
    if (value.is_null()) {
        return;
    }
    if (!value.is_object()) {
        throw type_error(value, "envs", "map[string]string", false);
    }
    for (const auto& [key, item] : value.items()) {
        if (!item.is_string()) {
            throw type_error(item, "envs", "string", false);
        }
        out[key] = item.get<std::string>();
    }
}

void decode_field(const std::string& key, const json& value, CommandRequest& request) {
    if (common::equals_ignoring_case(key, "command")) {
        decode_string(value, "command", request.command);
    } else if (common::equals_ignoring_case(key, "cwd")) {
        decode_string(value, "cwd", request.cwd);
    } else if (common::equals_ignoring_case(key, "background")) {
        decode_bool(value, "background", request.background);
    } else if (common::equals_ignoring_case(key, "timeout") && !value.is_null()) {
        request.timeout_ms = decode_integer(value, "timeout", "int64", std::numeric_limits<int64_t>::min(),
                                            std::numeric_limits<int64_t>::max());
    } else if (common::equals_ignoring_case(key, "uid") && !value.is_null()) {
        request.uid = static_cast<uint32_t>(decode_integer(value, "uid", "uint32", 0, UINT32_MAX));
    } else if (common::equals_ignoring_case(key, "gid") && !value.is_null()) {
        request.gid = static_cast<uint32_t>(decode_integer(value, "gid", "uint32", 0, UINT32_MAX));
    } else if (common::equals_ignoring_case(key, "envs")) {
        decode_envs(value, request.envs);
    } else if (common::equals_ignoring_case(key, "cancel_on_disconnect")) {
        decode_bool(value, "cancel_on_disconnect", request.cancel_on_disconnect);
    } else if (common::equals_ignoring_case(key, "stdin")) {
        decode_bool(value, "stdin", request.stdin);
    }
}

std::string validation_error(std::string_view field, std::string_view tag) {
    return std::string(kValidationPrefix) + "Key: 'RunCommandRequest." + std::string(field) +
           "' Error:Field validation for '" + std::string(field) + "' failed on the '" + std::string(tag) +
           "' tag";
}

}  // namespace

std::variant<CommandRequest, std::string> parse_command_request(std::string_view body) {
    auto document = read_first_json_value(body);
    if (auto* error = std::get_if<std::string>(&document)) {
        return std::string(kGoParsePrefix) + *error;
    }
    const json& value = std::get<json>(document);
    CommandRequest request;
    if (!value.is_null() && !value.is_object()) {
        return std::string(kGoParsePrefix) + "json: cannot unmarshal " + go_kind(value) +
               " into Go value of type model.RunCommandRequest";
    }
    try {
        if (value.is_object()) {
            for (const auto& [key, item] : value.items()) {
                decode_field(key, item, request);
            }
        }
    } catch (const GoDecodeError& error) {
        return std::string(kGoParsePrefix) + error.message;
    }
    if (request.command.empty()) {
        return validation_error("Command", "required");
    }
    if (request.timeout_ms < 0) {
        return validation_error("Timeout", "gte");
    }
    if (request.gid && !request.uid) {
        return std::string(kValidationPrefix) + "uid is required when gid is provided";
    }
    return request;
}

}  // namespace execd::api
