#include "files/file_operations.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "files/file_path.hpp"
#include "files/trusted_walk.hpp"
#include "process/exit_outcome.hpp"

namespace execd::files {
namespace {

constexpr std::string_view kAccessContext = "error accessing file: ";

std::string removing_file(const std::string& path) {
    return "error removing file " + path + ". ";
}

// The names in an open directory (without "." and ".."); false if it cannot be read.
bool directory_names(int directory, std::vector<std::string>& names) {
    const int copy = ::openat(directory, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR* stream = copy < 0 ? nullptr : ::fdopendir(copy);
    if (stream == nullptr) {
        if (copy >= 0) {
            ::close(copy);
        }
        return false;
    }
    while (const dirent* entry = ::readdir(stream)) {
        const std::string_view name = entry->d_name;
        if (name != "." && name != "..") {
            names.emplace_back(name);
        }
    }
    ::closedir(stream);
    return true;
}

// rm -rf of `name` in `directory`, descending with O_NOFOLLOW so that nothing, not even a link
// swapped in meanwhile, leads out of the tree. Returns 0 or the first errno.
int remove_entry(int directory, const std::string& name) {
    if (::unlinkat(directory, name.c_str(), 0) == 0 || errno == ENOENT) {
        return 0;
    }
    if (errno != EISDIR && errno != EPERM) {
        return errno;
    }
    const common::UniqueFd inner(
        ::openat(directory, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!inner) {
        return errno == ENOENT ? 0 : errno;
    }
    std::vector<std::string> names;
    if (!directory_names(inner.get(), names)) {
        return errno;
    }
    int first_error = 0;
    for (const std::string& child : names) {
        if (const int error = remove_entry(inner.get(), child); error != 0 && first_error == 0) {
            first_error = error;
        }
    }
    if (::unlinkat(directory, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT && first_error == 0) {
        first_error = errno;
    }
    return first_error;
}

// The walk to `path` for an operation that acts on its last element itself (unlink, rename).
std::variant<WalkedPath, FileError> walk_to_entry(const std::string& path, std::string_view context,
                                                  std::optional<mode_t> create_directories = std::nullopt) {
    auto walked = walk_path(path, {LastLink::keep, create_directories});
    if (auto* error = std::get_if<WalkError>(&walked)) {
        return walk_failure(*error, context);
    }
    return std::move(std::get<WalkedPath>(walked));
}

// chmod, then chown, of what `path` leads to; an unknown owner fails after the chmod, as upstream's.
std::optional<FileError> apply_permission_at(const std::string& path, const Permission& permission,
                                             std::string_view context) {
    auto walked = walk_path(path, {LastLink::follow, std::nullopt});
    if (auto* error = std::get_if<WalkError>(&walked)) {
        return walk_failure(*error, context);
    }
    const common::UniqueFd entry = open_entry(std::get<WalkedPath>(walked));
    const char* step = "chmod";
    int error = entry ? 0 : errno;
    if (error == 0) {
        error = apply_permission_to_entry(entry.get(), permission, step);
    }
    if (error != 0) {
        return error_from_errno(error, context, path_error_text(step, path, error));
    }
    if (permission.owner_error) {
        return FileError{500, std::string(kRuntimeError), std::string(context) + *permission.owner_error};
    }
    return std::nullopt;
}

// Deleting what does not exist succeeds.
std::optional<FileError> missing_is_fine(const FileError& error) {
    if (error.status == 404) {
        return std::nullopt;
    }
    return error;
}

}  // namespace

std::optional<WalkError> make_directory_tree(const std::string& path, mode_t mode, bool* created) {
    auto walked = walk_path(path, {LastLink::follow, mode});
    if (auto* error = std::get_if<WalkError>(&walked)) {
        return *error;
    }
    const auto& leaf = std::get<WalkedPath>(walked);
    if (::mkdirat(leaf.directory.get(), leaf.name.c_str(), mode) == 0) {
        if (created != nullptr) {
            *created = true;
        }
        return std::nullopt;
    }
    const int error = errno;
    struct stat status {};
    if (error == EEXIST &&
        ::fstatat(leaf.directory.get(), leaf.name.c_str(), &status, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISDIR(status.st_mode)) {
        return std::nullopt;
    }
    return WalkError{error == EEXIST ? ENOTDIR : error, "mkdir", path, std::nullopt};
}

std::optional<FileError> check_removable_file(const std::string& path) {
    auto walked = walk_to_entry(path, removing_file(path));
    if (auto* error = std::get_if<FileError>(&walked)) {
        return missing_is_fine(*error);
    }
    const auto& entry = std::get<WalkedPath>(walked);
    struct stat status {};
    // Follows a last link, as upstream's stat: a link to a directory is refused too.
    if (::fstatat(entry.directory.get(), entry.name.c_str(), &status, 0) == 0 && S_ISDIR(status.st_mode)) {
        return FileError{500, std::string(kRuntimeError),
                         removing_file(path) + "path is a directory: " + path};
    }
    return std::nullopt;
}

std::optional<FileError> remove_file(const std::string& path) {
    if (auto refused = check_removable_file(path)) {
        return refused;
    }
    auto walked = walk_to_entry(path, removing_file(path));
    if (auto* error = std::get_if<FileError>(&walked)) {
        return missing_is_fine(*error);
    }
    const auto& entry = std::get<WalkedPath>(walked);
    if (::unlinkat(entry.directory.get(), entry.name.c_str(), 0) != 0 && errno != ENOENT) {
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
    auto walked = walk_to_entry(without_trailing_slashes(path), "error removing directory " + path + ". ");
    if (auto* error = std::get_if<FileError>(&walked)) {
        return missing_is_fine(*error);
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
    const std::string context = "error removing directory " + path + ". ";
    // Without its trailing slashes a symbolic link to a directory is removed itself, not emptied.
    auto walked = walk_to_entry(without_trailing_slashes(path), context);
    if (auto* error = std::get_if<FileError>(&walked)) {
        return missing_is_fine(*error);
    }
    const auto& entry = std::get<WalkedPath>(walked);
    if (const int error = remove_entry(entry.directory.get(), entry.name); error != 0) {
        return error_from_errno(error, context, path_error_text("unlinkat", path, error));
    }
    return std::nullopt;
}

std::optional<FileError> make_directories(const std::string& path, const Permission& permission) {
    bool created = false;
    if (auto error = make_directory_tree(path, 0777, &created)) {
        auto answer = walk_failure(*error, kAccessContext);
        if (answer.status == 404) {
            answer = FileError{500, std::string(kRuntimeError), std::string(kAccessContext) + answer.message};
        }
        return answer;
    }
    if (!created) {
        return std::nullopt;
    }
    return apply_permission_at(path, permission, kAccessContext);
}

std::optional<FileError> change_permission(const std::string& path, const Permission& permission) {
    return apply_permission_at(path, permission, "error changing permissions for " + path + ". ");
}

std::optional<FileError> move_path(const std::string& source, const std::string& destination) {
    auto from = walk_to_entry(source, kAccessContext);
    if (auto* error = std::get_if<FileError>(&from)) {
        return *error;
    }
    const auto& source_entry = std::get<WalkedPath>(from);
    struct stat status {};
    if (::fstatat(source_entry.directory.get(), source_entry.name.c_str(), &status, AT_SYMLINK_NOFOLLOW) !=
        0) {
        const int error = errno;
        return error_from_errno(error, kAccessContext, path_error_text("lstat", source, error));
    }
    auto to = walk_to_entry(destination, kAccessContext, 0755);
    if (auto* error = std::get_if<FileError>(&to)) {
        return *error;
    }
    const auto& target = std::get<WalkedPath>(to);
    if (::fstatat(target.directory.get(), target.name.c_str(), &status, AT_SYMLINK_NOFOLLOW) == 0) {
        return FileError{500, std::string(kRuntimeError),
                         std::string(kAccessContext) + "destination path already exists: " + destination};
    }
    if (::renameat(source_entry.directory.get(), source_entry.name.c_str(), target.directory.get(),
                   target.name.c_str()) != 0) {
        const int error = errno;
        return error_from_errno(
            error, kAccessContext,
            "rename " + source + " " + destination + ": " + process::go_errno_text(error));
    }
    return std::nullopt;
}

}  // namespace execd::files
