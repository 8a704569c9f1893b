#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.hpp"
#include "vault/active_bindings.hpp"
#include "vault/go_text.hpp"

namespace egress::vault {
namespace {

// Percent-escapes of '/', '\\' and NUL: a server may decode them into separators or terminators
// that the matcher never saw.
bool has_forbidden_escape(std::string_view path) {
    for (size_t i = path.find('%'); i != std::string_view::npos; i = path.find('%', i + 1)) {
        const std::string_view escape = path.substr(i, 3);
        if (common::equals_ignoring_case(escape, "%2f") || common::equals_ignoring_case(escape, "%5c") ||
            escape == "%00") {
            return true;
        }
    }
    return false;
}

std::string decode_encoded_dots(std::string_view path) {
    std::string decoded;
    decoded.reserve(path.size());
    for (size_t i = 0; i < path.size(); ++i) {
        if (path[i] == '%' && common::equals_ignoring_case(path.substr(i, 3), "%2e")) {
            decoded += '.';
            i += 2;
        } else {
            decoded += path[i];
        }
    }
    return decoded;
}

std::vector<std::string_view> split_segments(std::string_view path_after_root) {
    std::vector<std::string_view> segments;
    size_t start = 0;
    while (true) {
        const size_t slash = path_after_root.find('/', start);
        if (slash == std::string_view::npos) {
            segments.push_back(path_after_root.substr(start));
            return segments;
        }
        segments.push_back(path_after_root.substr(start, slash - start));
        start = slash + 1;
    }
}

// RFC 3986 §5.2.4 on an absolute path; nullopt when ".." would climb above the root.
std::optional<std::string> remove_dot_segments(std::string_view path) {
    const std::vector<std::string_view> segments = split_segments(path.substr(1));
    std::vector<std::string_view> kept;
    bool ends_in_directory = false;
    for (size_t i = 0; i < segments.size(); ++i) {
        const bool last = i + 1 == segments.size();
        if (segments[i] == ".") {
            ends_in_directory = last;
        } else if (segments[i] == "..") {
            if (kept.empty()) {
                return std::nullopt;
            }
            kept.pop_back();
            ends_in_directory = last;
        } else {
            kept.push_back(segments[i]);
        }
    }
    std::string normalized;
    for (const std::string_view segment : kept) {
        normalized += '/';
        normalized += segment;
    }
    if (normalized.empty() || (ends_in_directory && !kept.empty())) {
        normalized += '/';
    }
    return normalized;
}

}  // namespace

std::optional<std::string> normalize_request_path(std::string_view target) {
    const std::string_view path = target.substr(0, target.find('?'));
    if (!path.starts_with('/')) {
        return std::nullopt;
    }
    if (path.find_first_of(std::string_view("\\\0", 2)) != std::string_view::npos ||
        has_forbidden_escape(path)) {
        return std::nullopt;
    }
    return remove_dot_segments(decode_encoded_dots(path));
}

}  // namespace egress::vault
