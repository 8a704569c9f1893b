#include "process/user_credentials.hpp"

#include <algorithm>

#include "process/account_files.hpp"

namespace execd::process {

UserCredentials resolve_credentials(uid_t uid, std::optional<gid_t> gid, const std::string& passwd_path,
                                    const std::string& group_path) {
    UserCredentials credentials;
    credentials.uid = uid;
    if (const auto user = find_user(uid, passwd_path)) {
        credentials.user_name = user->name;
        credentials.gid = user->gid;
        credentials.home = user->home;
        credentials.groups = groups_listing_member(user->name, group_path);
        credentials.groups.push_back(user->gid);
        std::sort(credentials.groups.begin(), credentials.groups.end());
        credentials.groups.erase(std::unique(credentials.groups.begin(), credentials.groups.end()),
                                 credentials.groups.end());
    }
    if (gid) {
        credentials.gid = *gid;
    }
    return credentials;
}

}  // namespace execd::process
