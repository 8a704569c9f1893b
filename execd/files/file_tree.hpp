#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "files/file_info.hpp"

namespace execd::files {

// GET /files/search: every entry under `root` that is not a directory and whose base name matches
// `pattern` (upstream matches the base name only), walked in lexical order without following
// symbolic links, so loops cannot trap the walk. Directories that cannot be read are skipped.
struct SearchResult {
    std::vector<FileInfo> matches;
    bool bad_pattern = false;  // the pattern is malformed (reported once a name was tested)
    bool too_complex = false;  // matching a name took too much work (GlobResult::too_complex)
};
SearchResult search_files(const std::string& root, std::string_view pattern);

// GET /directories/list: the entries of the directory `root` to `depth` levels (1: its children),
// lexical order per directory, each directory's descendants right after it. Symbolic links are
// listed, never followed; unreadable directories contribute no children.
std::vector<FileInfo> list_directory(const std::string& root, int depth);

}  // namespace execd::files
