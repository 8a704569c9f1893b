#include "common/resource_gauges.hpp"

#include <string>

namespace common {

void register_resource_gauges(MetricsRegistry& registry, std::string_view prefix,
                              std::shared_ptr<const ResourceSampler> sampler) {
    const std::string base = std::string(prefix) + "_system_";
    Gauge& cpu = registry.gauge(base + "cpu_usage_percent",
                                "CPU use as a percentage of the CPUs available (cgroup quota or host).");
    Gauge& memory = registry.gauge(base + "memory_usage_bytes", "Memory in use (cgroup or host), in bytes.");
    registry.add_collect_hook([&cpu, &memory, sampler = std::move(sampler)] {
        const ResourceSnapshot latest = sampler->latest();
        cpu.set(latest.cpu_used_percent);
        memory.set(static_cast<double>(latest.memory_used_bytes));
    });
}

}  // namespace common
