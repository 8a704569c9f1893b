#include "api/files_json.hpp"

#include <limits>
#include <nlohmann/json.hpp>

#include "api/command_json.hpp"
#include "api/go_json.hpp"
#include "common/config.hpp"
#include "common/log.hpp"

namespace execd::api {
namespace {

using nlohmann::json;

GoDecodeError type_error(const json& value, std::string_view go_type) {
    return {"json: cannot unmarshal " + go_kind(value) + " into Go value of type " + std::string(go_type)};
}

// The first JSON value of `body`; trailing bytes are ignored as Go's Decoder does.
json read_document(std::string_view body) {
    auto read = read_first_json_value(body);
    if (const auto* error = std::get_if<std::string>(&read)) {
        throw GoDecodeError{*error};
    }
    return std::get<json>(std::move(read));
}

std::string decode_string(const json& value, std::string_view go_type) {
    if (value.is_null()) {
        return {};
    }
    if (!value.is_string()) {
        throw type_error(value, go_type);
    }
    return value.get<std::string>();
}

int64_t decode_mode(const json& value, std::string_view go_type) {
    if (value.is_null()) {
        return 0;
    }
    if (value.is_number_integer() && value.get<int64_t>() >= 0 &&
        value.get<int64_t>() <= std::numeric_limits<int32_t>::max()) {
        return value.get<int64_t>();
    }
    throw type_error(value, go_type);
}

files::PermissionRequest decode_permission(const json& value, std::string_view struct_name) {
    files::PermissionRequest permission;
    if (value.is_null()) {
        return permission;
    }
    if (!value.is_object()) {
        throw type_error(value, "model." + std::string(struct_name));
    }
    for (const auto& [key, item] : value.items()) {
        if (common::equals_ignoring_case(key, "owner")) {
            permission.owner = decode_string(item, "string");
        } else if (common::equals_ignoring_case(key, "group")) {
            permission.group = decode_string(item, "string");
        } else if (common::equals_ignoring_case(key, "mode")) {
            permission.mode = decode_mode(item, "int");
        }
    }
    return permission;
}

// An object's fields; none for null.
const json& fields_of(const json& value) {
    static const json kEmpty = json::object();
    return value.is_null() ? kEmpty : value;
}

template <typename Result, typename Decode>
std::variant<Result, files::FileError> decode_body(std::string_view body, std::string_view code,
                                                   std::string_view prefix, Decode decode) {
    try {
        return decode(read_document(body));
    } catch (const GoDecodeError& error) {
        return files::bad_request(code, std::string(prefix) + error.message);
    }
}

}  // namespace

void append_file_info_json(std::string& out, const files::FileInfo& info) {
    out += "{\"path\":";
    common::append_json_string(out, info.path);
    out += ",\"type\":\"" + info.type + "\"";
    out += ",\"size\":" + std::to_string(info.size);
    out += ",\"modified_at\":\"" + format_rfc3339_nano(info.modified_at) + "\"";
    out += ",\"created_at\":\"" + format_rfc3339_nano(info.created_at) + "\"";
    out += ",\"owner\":";
    common::append_json_string(out, info.owner);
    out += ",\"group\":";
    common::append_json_string(out, info.group);
    out += ",\"mode\":" + std::to_string(info.mode) + "}";
}

std::string file_infos_json(const std::vector<files::FileInfo>& infos) {
    std::string out = "[";
    for (std::size_t i = 0; i < infos.size(); ++i) {
        if (i > 0) {
            out += ",";
        }
        append_file_info_json(out, infos[i]);
    }
    return out + "]";
}

http::Response file_error_response(const files::FileError& error) {
    return http::json_error(error.status, error.code, error.message);
}

std::variant<PermissionMap, files::FileError> parse_permission_map(std::string_view body) {
    return decode_body<PermissionMap>(body, files::kInvalidRequestBody, kGoParsePrefix,
                                      [](const json& document) {
                                          PermissionMap map;
                                          if (document.is_null()) {
                                              return map;
                                          }
                                          if (!document.is_object()) {
                                              throw type_error(document, "map[string]model.Permission");
                                          }
                                          for (const auto& [path, item] : document.items()) {
                                              map[path] = decode_permission(item, "Permission");
                                          }
                                          return map;
                                      });
}

std::variant<std::vector<MoveItem>, files::FileError> parse_move_items(std::string_view body) {
    return decode_body<std::vector<MoveItem>>(
        body, files::kInvalidRequestBody, kGoParsePrefix, [](const json& document) {
            std::vector<MoveItem> items;
            if (document.is_null()) {
                return items;
            }
            if (!document.is_array()) {
                throw type_error(document, "[]model.RenameFileItem");
            }
            for (const auto& element : document) {
                if (!element.is_object() && !element.is_null()) {
                    throw type_error(element, "model.RenameFileItem");
                }
                MoveItem item;
                for (const auto& [key, value] : fields_of(element).items()) {
                    if (common::equals_ignoring_case(key, "src")) {
                        item.source = decode_string(value, "string");
                    } else if (common::equals_ignoring_case(key, "dest")) {
                        item.destination = decode_string(value, "string");
                    }
                }
                items.push_back(std::move(item));
            }
            return items;
        });
}

std::variant<ReplaceMap, files::FileError> parse_replace_map(std::string_view body) {
    return decode_body<ReplaceMap>(
        body, files::kInvalidRequestBody, kGoParsePrefix, [](const json& document) {
            ReplaceMap map;
            if (document.is_null()) {
                return map;
            }
            if (!document.is_object()) {
                throw type_error(document, "map[string]model.ReplaceFileContentItem");
            }
            for (const auto& [path, element] : document.items()) {
                if (!element.is_object() && !element.is_null()) {
                    throw type_error(element, "model.ReplaceFileContentItem");
                }
                ReplaceItem item;
                for (const auto& [key, value] : fields_of(element).items()) {
                    if (common::equals_ignoring_case(key, "old")) {
                        item.old_text = decode_string(value, "string");
                    } else if (common::equals_ignoring_case(key, "new")) {
                        item.new_text = decode_string(value, "string");
                    }
                }
                map[path] = std::move(item);
            }
            return map;
        });
}

std::variant<FileMetadata, files::FileError> parse_file_metadata(std::string_view text) {
    return decode_body<FileMetadata>(text, files::kInvalidFileMetadata, "invalid metadata format. ",
                                     [](const json& document) {
                                         FileMetadata metadata;
                                         metadata.permission = decode_permission(document, "FileMetadata");
                                         if (document.is_object()) {
                                             for (const auto& [key, value] : document.items()) {
                                                 if (common::equals_ignoring_case(key, "path")) {
                                                     metadata.path = decode_string(value, "string");
                                                 }
                                             }
                                         }
                                         return metadata;
                                     });
}

}  // namespace execd::api
