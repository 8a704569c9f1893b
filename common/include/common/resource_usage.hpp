#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

namespace common {

// Where resource figures are read from; tests point these at a prepared tree.
struct ResourcePaths {
    std::filesystem::path proc = "/proc";
    std::filesystem::path cgroup_mount = "/sys/fs/cgroup";
    std::filesystem::path own_cgroup_list = "/proc/self/cgroup";
};

// What the cgroup of this process says, from cgroup v2 or, on hosts still on v1, the cpu, cpuacct
// and memory controllers. Limits are the tightest found between the process's cgroup and the root.
// A value is absent when its controller is missing or sets no limit.
struct CgroupFigures {
    std::optional<double> cpu_limit;         // CPUs: quota / period
    std::optional<uint64_t> memory_limit;    // bytes
    std::optional<uint64_t> cpu_usage_usec;  // cumulative CPU time of the cgroup
    std::optional<uint64_t> memory_used;     // bytes, without inactive (reclaimable) file cache
};

CgroupFigures read_cgroup_figures(const ResourcePaths& paths);

// The host's figures from procfs, computed as the upstream execd computes them.
struct HostCpuTimes {
    uint64_t busy = 0;   // ticks: total - idle - iowait
    uint64_t total = 0;  // ticks: user + nice + system + idle + iowait + irq + softirq + steal
};
std::optional<HostCpuTimes> read_host_cpu_times(const ResourcePaths& paths);

struct HostMemory {
    uint64_t total = 0;  // bytes
    uint64_t used = 0;   // bytes: MemTotal - MemFree - Buffers - (Cached + SReclaimable)
};
std::optional<HostMemory> read_host_memory(const ResourcePaths& paths);

// The CPUs this process may run on (its affinity mask).
unsigned usable_cpu_count();

}  // namespace common
