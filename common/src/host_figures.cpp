#include <sched.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include "common/resource_usage.hpp"

namespace common {

std::optional<HostCpuTimes> read_host_cpu_times(const ResourcePaths& paths) {
    std::ifstream in(paths.proc / "stat");
    std::string line;
    if (!std::getline(in, line) || !line.starts_with("cpu ")) {
        return std::nullopt;
    }
    std::istringstream fields(line.substr(4));
    uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    if (!(fields >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal)) {
        return std::nullopt;
    }
    // guest and guest_nice are left out: the kernel already counts them in user and nice.
    HostCpuTimes times;
    times.total = user + nice + system + idle + iowait + irq + softirq + steal;
    times.busy = times.total - idle - iowait;
    return times;
}

std::optional<HostMemory> read_host_memory(const ResourcePaths& paths) {
    std::ifstream in(paths.proc / "meminfo");
    uint64_t total = 0, free = 0, buffers = 0, cached = 0, reclaimable = 0;
    bool has_total = false;
    std::string key;
    uint64_t kilobytes = 0;
    std::string unit;
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        if (!(fields >> key >> kilobytes)) {
            continue;
        }
        if (key == "MemTotal:") {
            total = kilobytes;
            has_total = true;
        } else if (key == "MemFree:") {
            free = kilobytes;
        } else if (key == "Buffers:") {
            buffers = kilobytes;
        } else if (key == "Cached:") {
            cached = kilobytes;
        } else if (key == "SReclaimable:") {
            reclaimable = kilobytes;
        }
    }
    if (!has_total) {
        return std::nullopt;
    }
    const uint64_t not_used = free + buffers + cached + reclaimable;
    return HostMemory{total * 1024, total > not_used ? (total - not_used) * 1024 : 0};
}

unsigned usable_cpu_count() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) {
        return 1;
    }
    return static_cast<unsigned>(std::max(1, CPU_COUNT(&set)));
}

}  // namespace common
