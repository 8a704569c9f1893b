#include "files/file_permission.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "files/file_info.hpp"

namespace execd::files {

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
    if (!request.owner.empty()) {
        const auto uid = lookup_user(request.owner);
        if (!uid) {
            return bad_request(code, "unknown user " + request.owner);
        }
        permission.uid = *uid;
    }
    if (!request.group.empty()) {
        const auto gid = lookup_group(request.group);
        if (!gid) {
            return bad_request(code, "unknown group " + request.group);
        }
        permission.gid = *gid;
    }
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
