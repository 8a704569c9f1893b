#pragma once

#include <cstddef>
#include <string>
#include <string_view>

// The syntax check of Go's json.Decoder, for its error texts ("invalid character 'x' after object
// key", "unexpected EOF", ...), which nlohmann words differently.
namespace egress::vault::go_json {

// Scans the first JSON value of `body` and returns the offset just past it; what follows is not
// looked at. Throws VaultError(invalid) with Go's message: "EOF" when there is no value at all.
size_t scan_first_value(std::string_view body);

// Go decodes each invalid UTF-8 byte in a string as U+FFFD; nlohmann refuses such input.
std::string replace_invalid_utf8(std::string_view text);

}  // namespace egress::vault::go_json
