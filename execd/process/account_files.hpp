#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace execd::process {

// Users and groups read from /etc/passwd and /etc/group directly, never through NSS, as upstream's
// static Go binary does. NSS would load glibc's modules (libnss_*.so) at run time, which a static
// execd must not do and which a busybox, musl or distroless image does not have. Lines are read as
// glibc's `files` service reads them: blank lines and `#` comments are skipped, the first matching
// entry wins, and an entry whose id is not a decimal number is ignored.

inline constexpr const char* kPasswdFile = "/etc/passwd";
inline constexpr const char* kGroupFile = "/etc/group";

// name:password:uid:gid:gecos:home:shell
struct PasswdEntry {
    std::string name;
    uid_t uid = 0;
    gid_t gid = 0;
    std::string home;
    std::string shell;
};

// name:password:gid:member,member
struct GroupEntry {
    std::string name;
    gid_t gid = 0;
    std::vector<std::string> members;
};

std::optional<PasswdEntry> find_user(uid_t uid, const std::string& passwd_path = kPasswdFile);
std::optional<PasswdEntry> find_user(std::string_view name, const std::string& passwd_path = kPasswdFile);
std::optional<GroupEntry> find_group(gid_t gid, const std::string& group_path = kGroupFile);
std::optional<GroupEntry> find_group(std::string_view name, const std::string& group_path = kGroupFile);

// The groups that list `user` as a member, in file order (what getgrouplist adds to the primary group).
std::vector<gid_t> groups_listing_member(std::string_view user, const std::string& group_path = kGroupFile);

}  // namespace execd::process
