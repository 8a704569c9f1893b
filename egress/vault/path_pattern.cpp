#include "vault/path_pattern.hpp"

namespace egress::vault {
namespace {

bool is_prefix_pattern(std::string_view pattern) {
    return pattern.ends_with('*');
}

std::string_view pattern_prefix(std::string_view pattern) {
    return pattern.substr(0, pattern.size() - 1);
}

}  // namespace

bool path_pattern_matches(std::string_view pattern, std::string_view path) {
    if (is_prefix_pattern(pattern)) {
        return path.starts_with(pattern_prefix(pattern));
    }
    return path == pattern;
}

bool path_patterns_overlap(std::string_view left, std::string_view right) {
    if (left == right) {
        return true;
    }
    if (is_prefix_pattern(left) && right.starts_with(pattern_prefix(left))) {
        return true;
    }
    if (is_prefix_pattern(right) && left.starts_with(pattern_prefix(right))) {
        return true;
    }
    if (is_prefix_pattern(left) && is_prefix_pattern(right)) {
        const std::string_view left_prefix = pattern_prefix(left);
        const std::string_view right_prefix = pattern_prefix(right);
        return left_prefix.starts_with(right_prefix) || right_prefix.starts_with(left_prefix);
    }
    return false;
}

}  // namespace egress::vault
