#include "files/file_operations.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

#include "files/file_path.hpp"
#include "process/exit_outcome.hpp"

namespace execd::files {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kAccessContext = "error accessing file: ";

std::string removing_file(const std::string& path) {
    return "error removing file " + path + ". ";
}

int make_all(const std::string& path, mode_t mode, std::string& failed_at) {
    struct stat status {};
    if (::stat(path.c_str(), &status) == 0) {
        if (S_ISDIR(status.st_mode)) {
            return 0;
        }
        failed_at = path;
        return ENOTDIR;
    }
    const std::string parent = parent_directory(path);
    if (parent != path) {
        if (const int error = make_all(parent, mode, failed_at); error != 0) {
            return error;
        }
    }
    if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) {
        failed_at = path;
        return errno;
    }
    return 0;
}

}  // namespace

int make_directory_tree(const std::string& path, mode_t mode, std::string& failed_at) {
    return make_all(path, mode, failed_at);
}

std::optional<FileError> check_removable_file(const std::string& path) {
    struct stat status {};
    if (::stat(path.c_str(), &status) == 0 && S_ISDIR(status.st_mode)) {
        return FileError{500, std::string(kRuntimeError),
                         removing_file(path) + "path is a directory: " + path};
    }
    return std::nullopt;
}

std::optional<FileError> remove_file(const std::string& path) {
    if (auto refused = check_removable_file(path)) {
        return refused;
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
        const int error = errno;
        return error_from_errno(error, removing_file(path), path_error_text("remove", path, error));
    }
    return std::nullopt;
}

std::optional<FileError> check_removable_tree(const std::string& path) {
    if (clean_path(path) == "/") {
        return bad_request(kInvalidRequestBody, "refusing to remove the root directory: " + path);
    }
    // remove_all("x/.") would empty x and then fail; Go's RemoveAll refuses it up front.
    const std::string last = base_name(without_trailing_slashes(path));
    if (last == "." || last == "..") {
        return bad_request(kInvalidRequestBody, "refusing to remove a path ending in . or ..: " + path);
    }
    return std::nullopt;
}

std::optional<FileError> remove_tree(const std::string& path) {
    if (path.empty()) {
        return std::nullopt;
    }
    if (auto refused = check_removable_tree(path)) {
        return refused;
    }
    std::error_code error;
    // Without its trailing slashes a symbolic link to a directory is removed itself, not emptied.
    fs::remove_all(without_trailing_slashes(path), error);
    if (error && error.value() != ENOENT) {
        return error_from_errno(error.value(), "error removing directory " + path + ". ",
                                path_error_text("unlinkat", path, error.value()));
    }
    return std::nullopt;
}

std::optional<FileError> make_directories(const std::string& path, const Permission& permission) {
    std::string failed_at;
    if (const int error = make_all(path, 0777, failed_at); error != 0) {
        auto answer = error_from_errno(error, kAccessContext, path_error_text("mkdir", failed_at, error));
        if (answer.status == 404) {
            answer = FileError{500, std::string(kRuntimeError), std::string(kAccessContext) + answer.message};
        }
        return answer;
    }
    return change_permission(path, permission);
}

std::optional<FileError> change_permission(const std::string& path, const Permission& permission) {
    const char* step = "";
    if (const int error = apply_permission(path, permission, step); error != 0) {
        return error_from_errno(error, "error changing permissions for " + path + ". ",
                                path_error_text(step, path, error));
    }
    return std::nullopt;
}

std::optional<FileError> move_path(const std::string& source, const std::string& destination) {
    struct stat status {};
    if (::lstat(source.c_str(), &status) != 0) {
        const int error = errno;
        return error_from_errno(error, kAccessContext, path_error_text("lstat", source, error));
    }
    std::string failed_at;
    if (const int error = make_all(parent_directory(destination), 0755, failed_at); error != 0) {
        return error_from_errno(error, kAccessContext, path_error_text("mkdir", failed_at, error));
    }
    if (::lstat(destination.c_str(), &status) == 0) {
        return FileError{500, std::string(kRuntimeError),
                         std::string(kAccessContext) + "destination path already exists: " + destination};
    }
    if (::rename(source.c_str(), destination.c_str()) != 0) {
        const int error = errno;
        return error_from_errno(
            error, kAccessContext,
            "rename " + source + " " + destination + ": " + process::go_errno_text(error));
    }
    return std::nullopt;
}

}  // namespace execd::files
