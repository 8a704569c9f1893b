#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/fd.hpp"
#include "files/file_error.hpp"
#include "files/file_permission.hpp"

namespace execd::files {

// How the operator's writes reach a path. execd usually runs as root, the workload as another
// user who can plant symbolic links wherever it may write; following one would let it redirect a
// chmod, chown, mkdir, delete, move or upload onto root's files. So every element is opened with
// O_NOFOLLOW, one at a time, and a symbolic link is followed only when root or execd's own user
// owns it (a workload's links are its own: an unprivileged user cannot give a link away).

enum class LastLink {
    follow,  // a trusted link as the last element leads to its destination (open(2)'s behaviour)
    keep,    // the last element is what the operation acts on, link or not (unlink, rename)
};

struct WalkOptions {
    LastLink last_link = LastLink::keep;
    // Missing directories before the last element are created (mkdir -p) with this mode.
    std::optional<mode_t> create_directories;
};

// The directory that holds the last element, and its name. `directory` is an O_PATH descriptor;
// the *at() calls on it never re-resolve the path.
struct WalkedPath {
    common::UniqueFd directory;
    std::string name;
    std::string directory_path;  // how the walk reached `directory` (links resolved; "": cwd)
};

// Where and why a walk stopped.
struct WalkError {
    int error = 0;                    // errno of `op` on `at`
    std::string op;                   // "open", "mkdir", "readlink"
    std::string at;                   // the path up to the element that failed
    std::optional<uid_t> link_owner;  // set when a link owned by this user was not followed
};

std::variant<WalkedPath, WalkError> walk_path(const std::string& path, const WalkOptions& options);

// The answer for a failed walk: 403 for a link that was not followed, else as error_from_errno.
FileError walk_failure(const WalkError& error, std::string_view context);

// Opens `path` with `flags` (O_NOFOLLOW and O_CLOEXEC added), a last link followed when trusted.
std::variant<common::UniqueFd, WalkError> open_trusted(const std::string& path, int flags);

// Opens the last element (O_PATH, not following a link) of a walked path; -1 with errno on failure,
// ELOOP when it is a symbolic link.
common::UniqueFd open_entry(const WalkedPath& walked);

// chmod and chown through an O_PATH descriptor (no path is resolved again). Returns 0 or an errno
// and the failing call's name in `step`.
int apply_permission_to_entry(int path_fd, const Permission& permission, const char*& step);

}  // namespace execd::files
