#pragma once

#include <optional>
#include <string>

#include "files/file_error.hpp"
#include "files/file_permission.hpp"
#include "files/trusted_walk.hpp"

namespace execd::files {

// mkdir -p with `mode` (less the umask), following only trusted links (trusted_walk.hpp). Returns
// where and why it failed; `created`, when given, tells whether the last directory is new.
std::optional<WalkError> make_directory_tree(const std::string& path, mode_t mode, bool* created = nullptr);

// The single-path operations behind the JSON endpoints. Each returns the error to answer, if any.

// Every operation reaches its path as trusted_walk.hpp describes.

// DELETE /files: a missing path is fine; a directory (a last symbolic link followed) is refused.
std::optional<FileError> check_removable_file(const std::string& path);
std::optional<FileError> remove_file(const std::string& path);

// DELETE /directories: rm -rf (symbolic links removed, not followed). "/" is refused.
std::optional<FileError> check_removable_tree(const std::string& path);
std::optional<FileError> remove_tree(const std::string& path);

// POST /directories: mkdir -p (0777 less the umask), then `permission` on the last directory if it is
// new; an existing directory is left as it is, as upstream's.
std::optional<FileError> make_directories(const std::string& path, const Permission& permission);

// POST /files/permissions for one path.
std::optional<FileError> change_permission(const std::string& path, const Permission& permission);

// POST /files/mv for one item: src must exist, dest must not; dest's parent is created (0755).
std::optional<FileError> move_path(const std::string& source, const std::string& destination);

}  // namespace execd::files
