#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "files/file_error.hpp"

namespace execd::files {

// A request path made usable: "~" and "$VAR"/"${VAR}" expanded from execd's environment (an unset
// variable is an error, as upstream), then, when `absolute`, made absolute against execd's working
// directory and cleaned like Go's filepath.Abs ("a/../b" -> "<cwd>/b").
struct ResolvedPath {
    std::string path;
    std::optional<FileError> error;
};
ResolvedPath resolve_path(std::string_view raw, bool absolute = true);

// Go's filepath.Clean.
std::string clean_path(std::string_view path);

// `path` without its trailing slashes; "/" (or "//") stays "/".
std::string without_trailing_slashes(std::string_view path);

// The directory part and the last element of a cleaned absolute path.
std::string parent_directory(const std::string& path);
std::string base_name(const std::string& path);

}  // namespace execd::files
