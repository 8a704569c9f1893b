#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "files/file_error.hpp"

namespace execd::files {

// Owner, group and mode as upstream's requests carry them (Permission, FileMetadata): names, and the
// mode as decimal digits meaning octal (755 -> 0755; 0 leaves the mode alone).
struct PermissionRequest {
    std::string owner;  // empty: unchanged
    std::string group;  // empty: unchanged
    int64_t mode = 0;
};

// The same, checked: ids resolved, mode converted. Ownership changes only when a name was given.
struct Permission {
    std::optional<mode_t> mode;
    uid_t uid = static_cast<uid_t>(-1);  // -1: unchanged
    gid_t gid = static_cast<gid_t>(-1);
    // Upstream's error for an owner or group that does not exist ("failed to lookup user u: user:
    // unknown user u"). Upstream fails at the chown, after the chmod: callers apply the mode, leave
    // the ownership alone and then answer with this error.
    std::optional<std::string> owner_error;
    bool changes_owner() const { return uid != static_cast<uid_t>(-1) || gid != static_cast<gid_t>(-1); }
};

// Checks a request; an invalid mode is a 400 with `code`. An unknown user or group sets owner_error.
std::variant<Permission, FileError> resolve_permission(const PermissionRequest& request,
                                                       std::string_view code);

// chmod (when a mode is set), then chown (when an owner or group is set; never with owner_error).
// Returns 0 or the errno and the name of the failing call in `step`.
int apply_permission(const std::string& path, const Permission& permission, const char*& step);
int apply_permission(int fd, const Permission& permission, const char*& step);

}  // namespace execd::files
