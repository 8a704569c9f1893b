#include "process/user_credentials.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "common/config.hpp"

namespace execd::process {
namespace {

std::vector<std::string> split_fields(const std::string& line, char separator) {
    std::vector<std::string> fields;
    std::stringstream stream(line);
    std::string field;
    while (std::getline(stream, field, separator)) {
        fields.push_back(field);
    }
    if (!line.empty() && line.back() == separator) {
        fields.emplace_back();
    }
    return fields;
}

void fill_from_passwd(UserCredentials& credentials, const std::string& passwd_path) {
    std::ifstream passwd(passwd_path);
    std::string line;
    while (std::getline(passwd, line)) {
        const auto fields = split_fields(line, ':');
        if (fields.size() < 7 || common::parse_int(fields[2]) != static_cast<int64_t>(credentials.uid)) {
            continue;
        }
        credentials.user_name = fields[0];
        credentials.gid = static_cast<gid_t>(common::parse_int(fields[3]).value_or(0));
        credentials.home = fields[5];
        return;
    }
}

std::vector<gid_t> groups_of(const std::string& user, gid_t primary, const std::string& group_path) {
    std::vector<gid_t> groups{primary};
    std::ifstream file(group_path);
    std::string line;
    while (std::getline(file, line)) {
        const auto fields = split_fields(line, ':');
        if (fields.size() < 4) {
            continue;
        }
        const auto members = common::split_list(fields[3], ',');
        const auto gid = common::parse_int(fields[2]);
        if (gid && std::find(members.begin(), members.end(), user) != members.end()) {
            groups.push_back(static_cast<gid_t>(*gid));
        }
    }
    std::sort(groups.begin(), groups.end());
    groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
    return groups;
}

}  // namespace

UserCredentials resolve_credentials(uid_t uid, std::optional<gid_t> gid, const std::string& passwd_path,
                                    const std::string& group_path) {
    UserCredentials credentials;
    credentials.uid = uid;
    fill_from_passwd(credentials, passwd_path);
    if (credentials.user_name) {
        credentials.groups = groups_of(*credentials.user_name, credentials.gid, group_path);
    }
    if (gid) {
        credentials.gid = *gid;
    }
    return credentials;
}

}  // namespace execd::process
