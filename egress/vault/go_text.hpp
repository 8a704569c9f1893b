#pragma once

#include <cstddef>
#include <string>
#include <string_view>

// Text helpers that reproduce what upstream's Go code prints, so messages match byte for byte.
namespace egress::vault {

// Go's %q (strconv.Quote): double quotes, backslash escapes for quotes, backslashes and control
// characters, \x escapes for bytes that are not valid UTF-8.
std::string go_quote(std::string_view text);

// Length of the valid UTF-8 sequence starting at text[0] (1 for ASCII), or 0 when the bytes there
// are not one (Go then reads a single byte as U+FFFD). text must not be empty.
size_t valid_utf8_length(std::string_view text);

// strings.TrimSpace over ASCII whitespace.
std::string_view trim_go_space(std::string_view text);
std::string to_upper_ascii(std::string_view text);
std::string to_lower_ascii(std::string_view text);

}  // namespace egress::vault
