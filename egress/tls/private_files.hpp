#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

// Files of the authority's state: written whole or not at all, readable only by whom they are meant
// for. Every failure is a std::runtime_error naming the path.
namespace egress::tls {

// Creates directory (and missing parents) or takes the existing one, then makes it mode 0700.
// Refuses a symlink, a non-directory, or a directory owned by another user: whoever controls it
// could swap the key.
void prepare_private_directory(const std::filesystem::path& directory);

// Writes a temporary file beside path with mode, then renames it over path, so that readers see
// the old contents or the new, never a part.
void write_file_atomically(const std::filesystem::path& path, std::string_view contents, mode_t mode);

// nullopt when path does not exist (or is not a regular file).
std::optional<std::string> read_file_if_present(const std::filesystem::path& path);

}  // namespace egress::tls
