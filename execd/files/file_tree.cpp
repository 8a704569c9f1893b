#include "files/file_tree.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>

#include "files/glob_match.hpp"

namespace execd::files {
namespace {

// The names in a directory, sorted; empty when it cannot be read.
std::vector<std::string> sorted_names(const std::string& directory) {
    std::vector<std::string> names;
    DIR* stream = ::opendir(directory.c_str());
    if (stream == nullptr) {
        return names;
    }
    while (const dirent* entry = ::readdir(stream)) {
        const std::string_view name = entry->d_name;
        if (name != "." && name != "..") {
            names.emplace_back(name);
        }
    }
    ::closedir(stream);
    std::sort(names.begin(), names.end());
    return names;
}

std::string join(const std::string& directory, const std::string& name) {
    return directory.ends_with('/') ? directory + name : directory + "/" + name;
}

struct Searcher {
    std::string_view pattern;
    SearchResult result;

    void visit(const std::string& path, const std::string& name, const struct stat& status) {
        if (result.too_complex) {
            return;
        }
        if (S_ISDIR(status.st_mode)) {
            for (const auto& child : sorted_names(path)) {
                const std::string child_path = join(path, child);
                struct stat child_status {};
                if (::lstat(child_path.c_str(), &child_status) == 0) {
                    visit(child_path, child, child_status);
                }
            }
            return;
        }
        const GlobResult matched = glob_match(pattern, name);
        if (matched == GlobResult::bad_pattern) {
            result.bad_pattern = true;
        } else if (matched == GlobResult::too_complex) {
            result.too_complex = true;
        } else if (matched == GlobResult::match) {
            result.matches.push_back(file_info_from_stat(path, status));
        }
    }
};

void list_into(const std::string& directory, int depth, std::vector<FileInfo>& out) {
    for (const auto& name : sorted_names(directory)) {
        const std::string path = join(directory, name);
        struct stat status {};
        if (::lstat(path.c_str(), &status) != 0) {
            continue;
        }
        out.push_back(file_info_from_stat(path, status));
        if (depth > 1 && S_ISDIR(status.st_mode)) {
            list_into(path, depth - 1, out);
        }
    }
}

}  // namespace

SearchResult search_files(const std::string& root, std::string_view pattern) {
    Searcher searcher{pattern, {}};
    struct stat status {};
    if (::lstat(root.c_str(), &status) == 0) {
        const std::size_t slash = root.rfind('/');
        searcher.visit(root, slash == std::string::npos ? root : root.substr(slash + 1), status);
    }
    if (searcher.result.bad_pattern || searcher.result.too_complex) {
        searcher.result.matches.clear();
    }
    return std::move(searcher.result);
}

std::vector<FileInfo> list_directory(const std::string& root, int depth) {
    std::vector<FileInfo> entries;
    if (depth > 0) {
        list_into(root, depth, entries);
    }
    return entries;
}

}  // namespace execd::files
