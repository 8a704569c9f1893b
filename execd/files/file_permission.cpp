#include "files/file_permission.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "files/file_info.hpp"

namespace execd::files {
namespace {

// Upstream looks the owner up first and chowns only when both names exist.
void resolve_ownership(const PermissionRequest& request, Permission& permission) {
    const auto uid = request.owner.empty() ? std::nullopt : lookup_user(request.owner);
    if (!request.owner.empty() && !uid) {
        permission.owner_error =
            "failed to lookup user " + request.owner + ": user: unknown user " + request.owner;
        return;
    }
    const auto gid = request.group.empty() ? std::nullopt : lookup_group(request.group);
    if (!request.group.empty() && !gid) {
        permission.owner_error =
            "failed to lookup group " + request.group + ": group: unknown group " + request.group;
        return;
    }
    permission.uid = uid.value_or(static_cast<uid_t>(-1));
    permission.gid = gid.value_or(static_cast<gid_t>(-1));
}

}  // namespace

std::variant<Permission, FileError> resolve_permission(const PermissionRequest& request,
                                                       std::string_view code) {
    Permission permission;
    if (request.mode != 0) {
        permission.mode = mode_from_decimal_digits(request.mode);
        if (!permission.mode) {
            return bad_request(code, "invalid mode " + std::to_string(request.mode) +
                                         ": expected octal digits such as 644 or 755");
        }
    }
    resolve_ownership(request, permission);
    return permission;
}

int apply_permission(const std::string& path, const Permission& permission, const char*& step) {
    if (permission.mode && ::chmod(path.c_str(), *permission.mode) != 0) {
        step = "chmod";
        return errno;
    }
    if (permission.changes_owner() && ::chown(path.c_str(), permission.uid, permission.gid) != 0) {
        step = "chown";
        return errno;
    }
    return 0;
}

int apply_permission(int fd, const Permission& permission, const char*& step) {
    if (permission.mode && ::fchmod(fd, *permission.mode) != 0) {
        step = "chmod";
        return errno;
    }
    if (permission.changes_owner() && ::fchown(fd, permission.uid, permission.gid) != 0) {
        step = "chown";
        return errno;
    }
    return 0;
}

}  // namespace execd::files
