#include "process/cgroup_location.hpp"

#include <fstream>
#include <sstream>

namespace execd::process {
namespace {

std::string read_proc_text(const char* path) {
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<std::string_view> split_text(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t end = text.find(separator, start);
        parts.push_back(
            text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
        if (end == std::string_view::npos) {
            return parts;
        }
        start = end + 1;
    }
}

bool contains_item(std::string_view list, std::string_view item) {
    for (const std::string_view part : split_text(list, ',')) {
        if (part == item) {
            return true;
        }
    }
    return false;
}

// mountinfo writes space, tab, newline and backslash in paths as \ooo.
std::string unescape_mount_path(std::string_view field) {
    std::string path;
    for (std::size_t i = 0; i < field.size(); ++i) {
        if (field[i] == '\\' && i + 3 < field.size()) {
            const std::string_view digits = field.substr(i + 1, 3);
            if (digits.size() == 3 && digits.find_first_not_of("01234567") == std::string_view::npos) {
                path += static_cast<char>((digits[0] - '0') * 64 + (digits[1] - '0') * 8 + (digits[2] - '0'));
                i += 3;
                continue;
            }
        }
        path += field[i];
    }
    return path;
}

// One line of mountinfo: "id parent dev root mount-point options [optional...] - type source super".
struct MountEntry {
    std::string root;
    std::string mount_point;
    std::string type;
    std::string super_options;
};

std::optional<MountEntry> parse_mount_line(std::string_view line) {
    const std::size_t separator = line.find(" - ");
    if (separator == std::string_view::npos) {
        return std::nullopt;
    }
    std::istringstream before{std::string(line.substr(0, separator))};
    std::istringstream after{std::string(line.substr(separator + 3))};
    std::string id, parent, device, root, mount_point, type, source, super_options;
    if (!(before >> id >> parent >> device >> root >> mount_point) ||
        !(after >> type >> source >> super_options)) {
        return std::nullopt;
    }
    return MountEntry{unescape_mount_path(root), unescape_mount_path(mount_point), type, super_options};
}

bool mounts_hierarchy(const MountEntry& mount, CgroupVersion version) {
    if (version == CgroupVersion::v2) {
        return mount.type == "cgroup2";
    }
    return mount.type == "cgroup" && contains_item(mount.super_options, "freezer");
}

// The part of `path` below `root`, or nullopt when `path` is not inside it.
std::optional<std::string> relative_to(const std::string& path, const std::string& root) {
    if (root == "/") {
        return path;
    }
    if (path == root) {
        return std::string("/");
    }
    if (path.size() > root.size() && path.compare(0, root.size(), root) == 0 && path[root.size()] == '/') {
        return path.substr(root.size());
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> cgroup_path_in(std::string_view proc_self_cgroup, CgroupVersion version) {
    for (const std::string_view line : split_text(proc_self_cgroup, '\n')) {
        const std::size_t first = line.find(':');
        const std::size_t second = first == std::string_view::npos ? first : line.find(':', first + 1);
        if (second == std::string_view::npos) {
            continue;
        }
        const std::string_view hierarchy = line.substr(0, first);
        const std::string_view controllers = line.substr(first + 1, second - first - 1);
        const bool wanted = version == CgroupVersion::v2 ? hierarchy == "0" && controllers.empty()
                                                         : contains_item(controllers, "freezer");
        if (wanted) {
            return std::string(line.substr(second + 1));
        }
    }
    return std::nullopt;
}

std::vector<std::filesystem::path> cgroup_directories_in(std::string_view mountinfo, CgroupVersion version,
                                                         const std::string& cgroup_path) {
    std::vector<std::filesystem::path> directories;
    for (const std::string_view line : split_text(mountinfo, '\n')) {
        const auto mount = parse_mount_line(line);
        if (!mount || !mounts_hierarchy(*mount, version)) {
            continue;
        }
        if (const auto rest = relative_to(cgroup_path, mount->root)) {
            std::filesystem::path directory(mount->mount_point);
            if (*rest != "/") {
                directory /= std::filesystem::path(*rest).relative_path();
            }
            directories.insert(directories.begin(), directory.lexically_normal());
        }
    }
    return directories;
}

std::optional<CgroupLocation> find_own_cgroup(CgroupVersion version) {
    const auto path = cgroup_path_in(read_proc_text("/proc/self/cgroup"), version);
    if (!path) {
        return std::nullopt;
    }
    for (const auto& directory :
         cgroup_directories_in(read_proc_text("/proc/self/mountinfo"), version, *path)) {
        std::error_code error;
        if (std::filesystem::exists(directory / "cgroup.procs", error)) {
            return CgroupLocation{version, directory};
        }
    }
    return std::nullopt;
}

}  // namespace execd::process
