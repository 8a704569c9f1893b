#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace egress::policy {

// The whole file, or nullopt when it does not exist. Other failures throw std::system_error
// naming the path.
std::optional<std::string> read_file_if_exists(const std::filesystem::path& path);

// Replaces path with content so that a crash leaves either the old or the new file: writes a
// temp file in the same directory, fsyncs it, renames it over path and fsyncs the directory.
// Keeps the mode of an existing file, else uses new_file_mode. Throws std::system_error.
void write_file_atomically(const std::filesystem::path& path, std::string_view content, mode_t new_file_mode);

}  // namespace egress::policy
