#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace execd::process {

// Who a command runs as. Looked up in /etc/passwd and /etc/group directly (no NSS), as upstream's
// static binary does.
struct UserCredentials {
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;  // supplementary groups, primary included
    std::optional<std::string> user_name;
    std::optional<std::string> home;
};

// Credentials for `uid` (and `gid` when given, which overrides the primary group). A uid without a
// passwd entry keeps gid 0 and no supplementary groups, like upstream.
UserCredentials resolve_credentials(uid_t uid, std::optional<gid_t> gid,
                                    const std::string& passwd_path = "/etc/passwd",
                                    const std::string& group_path = "/etc/group");

}  // namespace execd::process
