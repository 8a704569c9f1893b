#pragma once

#include <string_view>

namespace execd::files {

// Upstream's glob dialect (doublestar v4 with its extensions), '/' as the separator:
//   *         any run of characters other than '/'
//   **        as a whole path segment, any number of segments (zero included); elsewhere like *
//   ?         one character (one UTF-8 sequence) other than '/'
//   [abc] [a-z] [!x] [^x]   character classes; '\' escapes inside them
//   {a,b}     alternatives, which may nest
//   \x        the character x itself
//   !(p)      matches where the rest of the pattern with p in place does not
enum class GlobResult { match, no_match, bad_pattern };

GlobResult glob_match(std::string_view pattern, std::string_view name);

// Whether `pattern` is well formed (every class, alternative and escape closed).
bool glob_is_valid(std::string_view pattern);

}  // namespace execd::files
