#pragma once

#include <string_view>

// Binding path patterns: "/prefix*" matches every path starting with "/prefix"; any other
// pattern matches that exact path.
namespace egress::vault {

bool path_pattern_matches(std::string_view pattern, std::string_view path);

// Whether some path could match both patterns (upstream's ambiguity test).
bool path_patterns_overlap(std::string_view left, std::string_view right);

}  // namespace egress::vault
