#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/resource_usage.hpp"

namespace common {
namespace {

namespace fs = std::filesystem;

// v1 writes a page-rounded LLONG_MAX for "no memory limit"; anything this large is no limit.
constexpr uint64_t kNoLimitThreshold = uint64_t{1} << 62;

std::optional<std::string> read_first_line(const fs::path& file) {
    std::ifstream in(file);
    std::string line;
    if (!in || !std::getline(in, line)) {
        return std::nullopt;
    }
    return line;
}

std::optional<uint64_t> read_number(const fs::path& file) {
    const auto line = read_first_line(file);
    if (!line) {
        return std::nullopt;
    }
    try {
        size_t used = 0;
        const unsigned long long value = std::stoull(*line, &used);
        return used > 0 ? std::optional<uint64_t>(value) : std::nullopt;
    } catch (const std::exception&) {
        return std::nullopt;  // "max", "-1" or garbage: no number
    }
}

// The value of `key` in a "key value" per line file such as cpu.stat or memory.stat.
std::optional<uint64_t> read_keyed_number(const fs::path& file, const std::string& key) {
    std::ifstream in(file);
    std::string name;
    uint64_t value = 0;
    while (in >> name >> value) {
        if (name == key) {
            return value;
        }
    }
    return std::nullopt;
}

std::optional<double> min_of(std::optional<double> a, std::optional<double> b) {
    if (!a || !b) {
        return a ? a : b;
    }
    return std::min(*a, *b);
}

std::optional<uint64_t> min_of(std::optional<uint64_t> a, std::optional<uint64_t> b) {
    if (!a || !b) {
        return a ? a : b;
    }
    return std::min(*a, *b);
}

// The cgroup path of this process for one hierarchy: "" for v2's unified one, else a v1 controller.
std::optional<std::string> own_cgroup_path(const ResourcePaths& paths, const std::string& controller) {
    std::ifstream in(paths.own_cgroup_list);
    std::string line;
    while (std::getline(in, line)) {
        const size_t first = line.find(':');
        const size_t second = line.find(':', first + 1);
        if (first == std::string::npos || second == std::string::npos) {
            continue;
        }
        std::stringstream controllers(line.substr(first + 1, second - first - 1));
        std::string name;
        bool matches = controller.empty() && controllers.str().empty();
        while (!matches && std::getline(controllers, name, ',')) {
            matches = name == controller;
        }
        if (matches) {
            return line.substr(second + 1);
        }
    }
    return std::nullopt;
}

// Directories from the process's cgroup up to the hierarchy's root, innermost first.
std::vector<fs::path> cgroup_chain(const fs::path& mount, const std::string& own_path) {
    std::vector<fs::path> chain;
    fs::path relative = fs::path(own_path).relative_path();
    for (;;) {
        chain.push_back(mount / relative);
        if (relative.empty()) {
            return chain;
        }
        relative = relative.parent_path();
    }
}

std::optional<double> cpu_limit_of(const fs::path& quota_file, const fs::path& period_file) {
    const auto quota = read_number(quota_file);
    const auto period = read_number(period_file);
    if (!quota || !period || *period == 0) {
        return std::nullopt;
    }
    return static_cast<double>(*quota) / static_cast<double>(*period);
}

std::optional<uint64_t> memory_limit_of(const fs::path& file) {
    const auto limit = read_number(file);
    return limit && *limit < kNoLimitThreshold ? limit : std::nullopt;
}

std::optional<uint64_t> used_without_inactive_file(std::optional<uint64_t> usage, const fs::path& stat_file,
                                                   const std::string& inactive_key) {
    if (!usage) {
        return std::nullopt;
    }
    const uint64_t inactive = read_keyed_number(stat_file, inactive_key).value_or(0);
    return *usage > inactive ? *usage - inactive : 0;
}

// cpu.max holds "<quota|max> <period>" in one file.
std::optional<double> v2_cpu_limit(const fs::path& directory) {
    const auto line = read_first_line(directory / "cpu.max");
    std::istringstream fields(line.value_or(""));
    std::string quota;
    double period = 0;
    if (!(fields >> quota >> period) || quota == "max" || period <= 0) {
        return std::nullopt;
    }
    try {
        return std::stod(quota) / period;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

// The unified (v2) hierarchy and the controllers it owns. On hybrid hosts it is mounted beside the
// v1 controllers and owns few or none of them.
struct UnifiedHierarchy {
    fs::path own_directory;
    std::vector<fs::path> chain;  // own_directory up to the root
    std::string controllers;      // space-separated, as in cgroup.controllers

    bool owns(const std::string& controller) const {
        std::istringstream names(controllers);
        std::string name;
        while (names >> name) {
            if (name == controller) {
                return true;
            }
        }
        return false;
    }
};

std::optional<UnifiedHierarchy> find_unified(const ResourcePaths& paths) {
    fs::path mount = paths.cgroup_mount;
    if (!fs::exists(mount / "cgroup.controllers")) {
        mount /= "unified";
    }
    const auto own = own_cgroup_path(paths, "");
    const auto controllers = read_first_line(mount / "cgroup.controllers");
    if (!own || !controllers) {
        return std::nullopt;
    }
    UnifiedHierarchy unified{mount / fs::path(*own).relative_path(), cgroup_chain(mount, *own), *controllers};
    return unified;
}

void read_v2_cpu(const UnifiedHierarchy& unified, CgroupFigures& figures) {
    for (const fs::path& directory : unified.chain) {
        figures.cpu_limit = min_of(figures.cpu_limit, v2_cpu_limit(directory));
    }
    figures.cpu_usage_usec = read_keyed_number(unified.own_directory / "cpu.stat", "usage_usec");
}

void read_v2_memory(const UnifiedHierarchy& unified, CgroupFigures& figures) {
    for (const fs::path& directory : unified.chain) {
        figures.memory_limit = min_of(figures.memory_limit, memory_limit_of(directory / "memory.max"));
    }
    const fs::path& own = unified.own_directory;
    figures.memory_used =
        used_without_inactive_file(read_number(own / "memory.current"), own / "memory.stat", "inactive_file");
}

void read_v1_cpu(const ResourcePaths& paths, CgroupFigures& figures) {
    const fs::path mount = paths.cgroup_mount / "cpu";
    if (const auto own = own_cgroup_path(paths, "cpu")) {
        for (const fs::path& directory : cgroup_chain(mount, *own)) {
            figures.cpu_limit = min_of(figures.cpu_limit, cpu_limit_of(directory / "cpu.cfs_quota_us",
                                                                       directory / "cpu.cfs_period_us"));
        }
    }
    if (const auto own = own_cgroup_path(paths, "cpuacct")) {
        const auto nanoseconds =
            read_number(paths.cgroup_mount / "cpuacct" / fs::path(*own).relative_path() / "cpuacct.usage");
        if (nanoseconds) {
            figures.cpu_usage_usec = *nanoseconds / 1000;
        }
    }
}

void read_v1_memory(const ResourcePaths& paths, CgroupFigures& figures) {
    const auto own = own_cgroup_path(paths, "memory");
    if (!own) {
        return;
    }
    const auto chain = cgroup_chain(paths.cgroup_mount / "memory", *own);
    for (const fs::path& directory : chain) {
        figures.memory_limit =
            min_of(figures.memory_limit, memory_limit_of(directory / "memory.limit_in_bytes"));
    }
    const fs::path& leaf = chain.front();
    figures.memory_used = used_without_inactive_file(read_number(leaf / "memory.usage_in_bytes"),
                                                     leaf / "memory.stat", "total_inactive_file");
}

}  // namespace

CgroupFigures read_cgroup_figures(const ResourcePaths& paths) {
    CgroupFigures figures;
    const auto unified = find_unified(paths);
    if (unified && unified->owns("cpu")) {
        read_v2_cpu(*unified, figures);
    } else {
        read_v1_cpu(paths, figures);
    }
    if (unified && unified->owns("memory")) {
        read_v2_memory(*unified, figures);
    } else {
        read_v1_memory(paths, figures);
    }
    return figures;
}

}  // namespace common
