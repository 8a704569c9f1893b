#include "files/file_path.hpp"

#include <unistd.h>

#include <vector>

#include "process/environment.hpp"

namespace execd::files {

std::string clean_path(std::string_view path) {
    if (path.empty()) {
        return ".";
    }
    const bool rooted = path.front() == '/';
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (start <= path.size()) {
        const std::size_t slash = std::min(path.find('/', start), path.size());
        const std::string_view part = path.substr(start, slash - start);
        if (part == "..") {
            if (!parts.empty() && parts.back() != "..") {
                parts.pop_back();
            } else if (!rooted) {
                parts.push_back(part);
            }
        } else if (!part.empty() && part != ".") {
            parts.push_back(part);
        }
        start = slash + 1;
    }
    std::string cleaned = rooted ? "/" : "";
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i > 0) {
            cleaned += '/';
        }
        cleaned += parts[i];
    }
    return cleaned.empty() ? "." : cleaned;
}

ResolvedPath resolve_path(std::string_view raw, bool absolute) {
    const auto expanded = process::expand_path(raw, process::current_environment());
    if (!expanded.error.empty()) {
        return {"",
                bad_request(kInvalidRequestBody, "invalid path " + std::string(raw) + ": " + expanded.error)};
    }
    if (!absolute || expanded.path.starts_with('/')) {
        return {absolute ? clean_path(expanded.path) : expanded.path, std::nullopt};
    }
    std::string cwd(4096, '\0');
    if (::getcwd(cwd.data(), cwd.size()) == nullptr) {
        return {"", FileError{500, std::string(kRuntimeError), "cannot read the working directory"}};
    }
    cwd.resize(cwd.find('\0'));
    return {clean_path(cwd + "/" + expanded.path), std::nullopt};
}

std::string without_trailing_slashes(std::string_view path) {
    const std::size_t last = path.find_last_not_of('/');
    if (last == std::string_view::npos) {
        return path.empty() ? "" : "/";
    }
    return std::string(path.substr(0, last + 1));
}

std::string parent_directory(const std::string& path) {
    const std::size_t slash = path.rfind('/');
    if (slash == std::string::npos) {
        return ".";
    }
    return slash == 0 ? "/" : path.substr(0, slash);
}

std::string base_name(const std::string& path) {
    const std::size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace execd::files
