#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace common {

// The value of a hexadecimal digit, or -1.
int hex_value(char c);

// Decodes %XX escapes (and '+' as space when `plus_is_space`). nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

}  // namespace common
