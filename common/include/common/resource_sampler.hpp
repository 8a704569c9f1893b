#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "common/resource_usage.hpp"

namespace common {

// CPUs available, CPU use as a percentage of them, memory limit and use: the cgroup's figures where
// it has them, the host's (procfs) otherwise.
struct ResourceSnapshot {
    double cpu_count = 1;  // floor(quota), at least 1; else the CPUs the process may run on
    double cpu_used_percent = 0;
    uint64_t memory_total_bytes = 0;  // the cgroup's limit when lower than the host's memory
    uint64_t memory_used_bytes = 0;
    int64_t unix_ms = 0;
};

// Cumulative counters at one moment; two readings make a snapshot.
struct ResourceReading {
    double cpu_count = 1;
    bool cpu_known = false;  // whether cpu_busy and cpu_capacity were read
    uint64_t cpu_busy = 0;
    uint64_t cpu_capacity = 0;  // CPU time the available CPUs could have given, same unit as cpu_busy
    uint64_t memory_total_bytes = 0;
    uint64_t memory_used_bytes = 0;
    int64_t unix_ms = 0;
};

ResourceReading read_resources(const ResourcePaths& paths);

// CPU use between the readings (0–100); memory and time from `after`.
ResourceSnapshot snapshot_between(const ResourceReading& before, const ResourceReading& after);

// Samples in a background thread every `interval`, so latest() answers at once. Until the first
// interval has passed, the CPU percentage is 0.
class ResourceSampler {
  public:
    explicit ResourceSampler(std::chrono::milliseconds interval, ResourcePaths paths = {});
    ~ResourceSampler();
    ResourceSampler(const ResourceSampler&) = delete;
    ResourceSampler& operator=(const ResourceSampler&) = delete;

    ResourceSnapshot latest() const;

  private:
    void run();

    const std::chrono::milliseconds interval_;
    const ResourcePaths paths_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    ResourceReading previous_;
    ResourceSnapshot latest_;
    std::thread thread_;
};

}  // namespace common
