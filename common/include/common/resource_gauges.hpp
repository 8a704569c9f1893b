#pragma once

#include <memory>
#include <string_view>

#include "common/metrics.hpp"
#include "common/resource_sampler.hpp"

namespace common {

// Registers <prefix>_system_cpu_usage_percent (0-100 of the CPUs available) and
// <prefix>_system_memory_usage_bytes, refreshed from `sampler` whenever the registry is rendered or
// snapshotted. The registry keeps the sampler alive.
void register_resource_gauges(MetricsRegistry& registry, std::string_view prefix,
                              std::shared_ptr<const ResourceSampler> sampler);

}  // namespace common
