#pragma once

#include <string>
#include <string_view>

namespace egress::policy {

// ASCII whitespace trimming and lowercasing shared by the parsers (names are ASCII by the time
// they are compared; non-ASCII targets are rejected).
std::string_view trim_space(std::string_view text);
std::string to_lower_ascii(std::string_view text);

inline char lower_ascii(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace egress::policy
