#include "process/account_files.hpp"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <functional>
#include <limits>

#include "common/config.hpp"

namespace execd::process {
namespace {

constexpr std::size_t kPasswdFieldCount = 7;
constexpr std::size_t kGroupFieldCount = 4;

// Every colon-separated field, empty ones included ("a::b:" -> a, "", b, "").
std::vector<std::string_view> account_fields(std::string_view line) {
    std::vector<std::string_view> fields;
    while (true) {
        const std::size_t end = line.find(':');
        fields.push_back(line.substr(0, end));
        if (end == std::string_view::npos) {
            return fields;
        }
        line.remove_prefix(end + 1);
    }
}

std::optional<uint32_t> account_id(std::string_view text) {
    const auto value = common::parse_int(text);
    if (!value || *value < 0 || *value > std::numeric_limits<uint32_t>::max()) {
        return std::nullopt;
    }
    return static_cast<uint32_t>(*value);
}

// Calls `visit` with the fields of each entry line that has at least `field_count` fields, until it
// returns true. A missing or unreadable file has no entries.
void for_each_account_line(const std::string& path, std::size_t field_count,
                           const std::function<bool(const std::vector<std::string_view>&)>& visit) {
    std::ifstream file(path);
    std::string line;
    while (std::getline(file, line)) {
        const std::string_view entry = common::trim(line);
        if (entry.empty() || entry.front() == '#') {
            continue;
        }
        const auto fields = account_fields(entry);
        if (fields.size() >= field_count && visit(fields)) {
            return;
        }
    }
}

std::optional<PasswdEntry> passwd_entry(const std::vector<std::string_view>& fields) {
    const auto uid = account_id(fields[2]);
    const auto gid = account_id(fields[3]);
    if (!uid || !gid) {
        return std::nullopt;
    }
    return PasswdEntry{std::string(fields[0]), *uid, *gid, std::string(fields[5]), std::string(fields[6])};
}

std::optional<GroupEntry> group_entry(const std::vector<std::string_view>& fields) {
    const auto gid = account_id(fields[2]);
    if (!gid) {
        return std::nullopt;
    }
    return GroupEntry{std::string(fields[0]), *gid, common::split_list(fields[3], ',')};
}

std::optional<PasswdEntry> find_passwd_entry(const std::string& path,
                                             const std::function<bool(const PasswdEntry&)>& matches) {
    std::optional<PasswdEntry> found;
    for_each_account_line(path, kPasswdFieldCount, [&](const auto& fields) {
        auto entry = passwd_entry(fields);
        if (entry && matches(*entry)) {
            found = std::move(entry);
        }
        return found.has_value();
    });
    return found;
}

std::optional<GroupEntry> find_group_entry(const std::string& path,
                                           const std::function<bool(const GroupEntry&)>& matches) {
    std::optional<GroupEntry> found;
    for_each_account_line(path, kGroupFieldCount, [&](const auto& fields) {
        auto entry = group_entry(fields);
        if (entry && matches(*entry)) {
            found = std::move(entry);
        }
        return found.has_value();
    });
    return found;
}

}  // namespace

std::optional<PasswdEntry> find_user(uid_t uid, const std::string& passwd_path) {
    return find_passwd_entry(passwd_path, [uid](const PasswdEntry& entry) { return entry.uid == uid; });
}

std::optional<PasswdEntry> find_user(std::string_view name, const std::string& passwd_path) {
    return find_passwd_entry(passwd_path, [name](const PasswdEntry& entry) { return entry.name == name; });
}

std::optional<GroupEntry> find_group(gid_t gid, const std::string& group_path) {
    return find_group_entry(group_path, [gid](const GroupEntry& entry) { return entry.gid == gid; });
}

std::optional<GroupEntry> find_group(std::string_view name, const std::string& group_path) {
    return find_group_entry(group_path, [name](const GroupEntry& entry) { return entry.name == name; });
}

std::vector<gid_t> groups_listing_member(std::string_view user, const std::string& group_path) {
    std::vector<gid_t> groups;
    for_each_account_line(group_path, kGroupFieldCount, [&](const auto& fields) {
        const auto entry = group_entry(fields);
        if (entry && std::find(entry->members.begin(), entry->members.end(), user) != entry->members.end()) {
            groups.push_back(entry->gid);
        }
        return false;
    });
    return groups;
}

}  // namespace execd::process
