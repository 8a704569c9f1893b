#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "files/file_error.hpp"

namespace execd::files {

// Replaces every non-overlapping occurrence of `old_text` (not empty) from left to right, as Go's
// strings.ReplaceAll; `count` receives the number of replacements.
std::string replace_all(std::string_view text, std::string_view old_text, std::string_view new_text,
                        std::size_t& count);

// Replaces in the file at `path` and writes the result atomically (temporary file beside it, fsync,
// rename; mode and owner kept). A file without occurrences is left untouched. Returns the number
// of replacements or the error to answer.
struct ReplaceOutcome {
    std::size_t count = 0;
    std::optional<FileError> error;
};
ReplaceOutcome replace_in_file(const std::string& path, std::string_view old_text, std::string_view new_text);

}  // namespace execd::files
