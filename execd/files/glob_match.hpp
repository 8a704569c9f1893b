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
// Stars backtrack, so a pattern like "*a*a*a*a*a*a*a*a*c" can take exponential time on a long name;
// past a fixed amount of work the answer is too_complex instead.
enum class GlobResult { match, no_match, bad_pattern, too_complex };

GlobResult glob_match(std::string_view pattern, std::string_view name);

// Whether `pattern` is well formed (every class, alternative and escape closed).
bool glob_is_valid(std::string_view pattern);

}  // namespace execd::files
