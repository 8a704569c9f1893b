#pragma once

#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "files/file_error.hpp"
#include "files/file_info.hpp"
#include "files/file_permission.hpp"
#include "http/response.hpp"

namespace execd::api {

// FileInfo as upstream encodes it: {"path","type","size","modified_at","created_at","owner","group","mode"}.
void append_file_info_json(std::string& out, const files::FileInfo& info);
std::string file_infos_json(const std::vector<files::FileInfo>& infos);

// The response for a filesystem error: upstream's {"code","message"} body.
http::Response file_error_response(const files::FileError& error);

// Request bodies of the JSON endpoints, decoded as Go's decoder does (keys case-insensitive, unknown
// keys ignored, null as the zero value). Errors are 400 INVALID_REQUEST_BODY with upstream's
// "error parsing request, MAYBE invalid body format. ..." message.
using PermissionMap = std::map<std::string, files::PermissionRequest>;
std::variant<PermissionMap, files::FileError> parse_permission_map(std::string_view body);

struct MoveItem {
    std::string source;
    std::string destination;
};
std::variant<std::vector<MoveItem>, files::FileError> parse_move_items(std::string_view body);

struct ReplaceItem {
    std::string old_text;
    std::string new_text;
};
using ReplaceMap = std::map<std::string, ReplaceItem>;
std::variant<ReplaceMap, files::FileError> parse_replace_map(std::string_view body);

// An upload's metadata part: {"path","owner","group","mode"}. Errors are 400 INVALID_FILE_METADATA.
struct FileMetadata {
    std::string path;
    files::PermissionRequest permission;
};
std::variant<FileMetadata, files::FileError> parse_file_metadata(std::string_view text);

}  // namespace execd::api
