#include "common/resource_gauges.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace {

using namespace std::chrono_literals;

double gauge_value(const common::MetricsRegistry& registry, const std::string& name) {
    for (const auto& family : registry.snapshot()) {
        if (family.name == name && !family.samples.empty()) {
            return family.samples[0].value;
        }
    }
    ADD_FAILURE() << "no gauge " << name;
    return -1;
}

TEST(MetricsRegistry, CollectHooksRunBeforeEveryRenderAndSnapshot) {
    common::MetricsRegistry registry;
    common::Gauge& reads = registry.gauge("reads", "Reads.");
    registry.add_collect_hook([&reads] { reads.inc(); });
    EXPECT_EQ(registry.render(), "# HELP reads Reads.\n# TYPE reads gauge\nreads 1\n");
    EXPECT_DOUBLE_EQ(gauge_value(registry, "reads"), 2);
}

TEST(ResourceGauges, ReflectTheSamplersLatestFigures) {
    common::MetricsRegistry registry;
    auto sampler = std::make_shared<common::ResourceSampler>(10ms);
    common::register_resource_gauges(registry, "test", sampler);
    std::this_thread::sleep_for(50ms);
    const auto latest = sampler->latest();
    EXPECT_GT(latest.memory_used_bytes, 0u);
    const double memory = gauge_value(registry, "test_system_memory_usage_bytes");
    EXPECT_GT(memory, 0);
    const double cpu = gauge_value(registry, "test_system_cpu_usage_percent");
    EXPECT_GE(cpu, 0);
    EXPECT_LE(cpu, 100);
}

}  // namespace
