#include "common/resource_sampler.hpp"

#include <algorithm>
#include <cmath>

namespace common {
namespace {

int64_t unix_ms_now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

uint64_t monotonic_usec_now() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
}

// The cgroup's usage against the time its CPUs offered, else the host's busy against total ticks.
void read_cpu(const CgroupFigures& cgroup, const ResourcePaths& paths, ResourceReading& reading) {
    const double usable = static_cast<double>(usable_cpu_count());
    const double cpus = cgroup.cpu_limit ? std::min(*cgroup.cpu_limit, usable) : usable;
    reading.cpu_count = std::max(1.0, std::floor(cpus));
    if (cgroup.cpu_usage_usec) {
        reading.cpu_known = true;
        reading.cpu_busy = *cgroup.cpu_usage_usec;
        reading.cpu_capacity = static_cast<uint64_t>(static_cast<double>(monotonic_usec_now()) * cpus);
    } else if (const auto host = read_host_cpu_times(paths)) {
        reading.cpu_known = true;
        reading.cpu_busy = host->busy;
        reading.cpu_capacity = host->total;
    }
}

void read_memory(const CgroupFigures& cgroup, const ResourcePaths& paths, ResourceReading& reading) {
    const auto host = read_host_memory(paths);
    reading.memory_total_bytes = host ? host->total : 0;
    if (cgroup.memory_limit &&
        (reading.memory_total_bytes == 0 || *cgroup.memory_limit < reading.memory_total_bytes)) {
        reading.memory_total_bytes = *cgroup.memory_limit;
    }
    reading.memory_used_bytes = cgroup.memory_used ? *cgroup.memory_used : (host ? host->used : 0);
}

}  // namespace

ResourceReading read_resources(const ResourcePaths& paths) {
    const CgroupFigures cgroup = read_cgroup_figures(paths);
    ResourceReading reading;
    reading.unix_ms = unix_ms_now();
    read_cpu(cgroup, paths, reading);
    read_memory(cgroup, paths, reading);
    return reading;
}

ResourceSnapshot snapshot_between(const ResourceReading& before, const ResourceReading& after) {
    ResourceSnapshot snapshot;
    snapshot.cpu_count = after.cpu_count;
    const bool comparable = before.cpu_known && after.cpu_known;
    if (comparable && after.cpu_capacity > before.cpu_capacity && after.cpu_busy > before.cpu_busy) {
        const double busy = static_cast<double>(after.cpu_busy - before.cpu_busy);
        const double capacity = static_cast<double>(after.cpu_capacity - before.cpu_capacity);
        snapshot.cpu_used_percent = std::clamp(busy / capacity * 100.0, 0.0, 100.0);
    }
    snapshot.memory_total_bytes = after.memory_total_bytes;
    snapshot.memory_used_bytes = after.memory_used_bytes;
    snapshot.unix_ms = after.unix_ms;
    return snapshot;
}

ResourceSampler::ResourceSampler(std::chrono::milliseconds interval, ResourcePaths paths)
    : interval_(interval), paths_(std::move(paths)) {
    previous_ = read_resources(paths_);
    latest_ = snapshot_between(previous_, previous_);
    thread_ = std::thread([this] { run(); });
}

ResourceSampler::~ResourceSampler() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

ResourceSnapshot ResourceSampler::latest() const {
    std::lock_guard lock(mutex_);
    return latest_;
}

void ResourceSampler::run() {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
        lock.unlock();
        const ResourceReading current = read_resources(paths_);
        lock.lock();
        latest_ = snapshot_between(previous_, current);
        previous_ = current;
    }
}

}  // namespace common
