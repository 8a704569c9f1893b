#pragma once

#include <sys/stat.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace execd::files {

// Upstream's FileInfo: what /files/info, /files/search and /directories/list report per entry.
struct FileInfo {
    std::string path;
    std::string type;  // "file", "directory", "symlink" or "other"
    uint64_t size = 0;
    std::chrono::system_clock::time_point modified_at;
    std::chrono::system_clock::time_point created_at;  // the inode change time, as upstream
    std::string owner;
    std::string group;
    unsigned mode = 0;  // permission bits written as octal digits read in decimal: 0755 -> 755
};

FileInfo file_info_from_stat(std::string path, const struct stat& status);

// lstat()s `path`; nullopt with errno set when it fails.
std::optional<FileInfo> read_file_info(const std::string& path);

// 0755 -> 755 (setuid, setgid and sticky dropped).
unsigned mode_as_decimal_digits(mode_t mode);

// Upstream's mode field: 755 means 0755. nullopt when a digit is 8 or 9 or the value exceeds 7777.
std::optional<mode_t> mode_from_decimal_digits(int64_t digits);

// The name of a user or group, or its number when it has no name. Read from /etc/passwd and /etc/group
// (process/account_files.hpp), not through NSS.
std::string user_name(uid_t uid);
std::string group_name(gid_t gid);

// A user or group given by name (or by number); nullopt when unknown.
std::optional<uid_t> lookup_user(const std::string& name);
std::optional<gid_t> lookup_group(const std::string& name);

// The process's umask, read without changing it.
mode_t current_umask();

}  // namespace execd::files
