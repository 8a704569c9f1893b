#include "files/file_info.hpp"

#include <cerrno>
#include <charconv>
#include <fstream>

#include "process/account_files.hpp"

namespace execd::files {
namespace {

std::chrono::system_clock::time_point to_time_point(const struct timespec& time) {
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::seconds(time.tv_sec) + std::chrono::nanoseconds(time.tv_nsec)));
}

std::string type_of(mode_t mode) {
    if (S_ISREG(mode)) {
        return "file";
    }
    if (S_ISDIR(mode)) {
        return "directory";
    }
    if (S_ISLNK(mode)) {
        return "symlink";
    }
    return "other";
}

std::optional<unsigned long> parse_number(const std::string& text) {
    unsigned long value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

}  // namespace

FileInfo file_info_from_stat(std::string path, const struct stat& status) {
    FileInfo info;
    info.path = std::move(path);
    info.type = type_of(status.st_mode);
    info.size = static_cast<uint64_t>(status.st_size);
    info.modified_at = to_time_point(status.st_mtim);
    info.created_at = to_time_point(status.st_ctim);
    info.owner = user_name(status.st_uid);
    info.group = group_name(status.st_gid);
    info.mode = mode_as_decimal_digits(status.st_mode);
    return info;
}

std::optional<FileInfo> read_file_info(const std::string& path) {
    struct stat status {};
    if (::lstat(path.c_str(), &status) != 0) {
        return std::nullopt;
    }
    return file_info_from_stat(path, status);
}

unsigned mode_as_decimal_digits(mode_t mode) {
    const unsigned bits = mode & 0777;
    return (bits >> 6) * 100 + ((bits >> 3) & 7) * 10 + (bits & 7);
}

std::optional<mode_t> mode_from_decimal_digits(int64_t digits) {
    if (digits < 0 || digits > 7777) {
        return std::nullopt;
    }
    mode_t mode = 0;
    mode_t scale = 1;
    for (int64_t rest = digits; rest > 0; rest /= 10) {
        const auto digit = static_cast<mode_t>(rest % 10);
        if (digit > 7) {
            return std::nullopt;
        }
        mode += digit * scale;
        scale *= 8;
    }
    return mode;
}

std::string user_name(uid_t uid) {
    if (const auto user = process::find_user(uid)) {
        return user->name;
    }
    return std::to_string(uid);
}

std::string group_name(gid_t gid) {
    if (const auto group = process::find_group(gid)) {
        return group->name;
    }
    return std::to_string(gid);
}

std::optional<uid_t> lookup_user(const std::string& name) {
    if (const auto user = process::find_user(std::string_view(name))) {
        return user->uid;
    }
    if (const auto number = parse_number(name)) {
        return static_cast<uid_t>(*number);
    }
    return std::nullopt;
}

std::optional<gid_t> lookup_group(const std::string& name) {
    if (const auto group = process::find_group(std::string_view(name))) {
        return group->gid;
    }
    if (const auto number = parse_number(name)) {
        return static_cast<gid_t>(*number);
    }
    return std::nullopt;
}

mode_t current_umask() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.starts_with("Umask:")) {
            return static_cast<mode_t>(std::stoul(line.substr(6), nullptr, 8));
        }
    }
    return 022;
}

}  // namespace execd::files
