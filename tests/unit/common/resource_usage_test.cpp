#include "common/resource_usage.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/resource_sampler.hpp"

namespace {

namespace fs = std::filesystem;
constexpr uint64_t kMiB = 1024 * 1024;

// A throw-away tree shaped like /proc and /sys/fs/cgroup.
class ResourceTree : public ::testing::Test {
  protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() / ("resource-tree-" + std::to_string(::getpid()) + "-" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(root_);
        paths_.proc = root_ / "proc";
        paths_.cgroup_mount = root_ / "cgroup";
        paths_.own_cgroup_list = root_ / "proc/self/cgroup";
        write("proc/meminfo",
              "MemTotal:        8388608 kB\nMemFree:         1048576 kB\nBuffers:          524288 kB\n"
              "Cached:          2097152 kB\nSReclaimable:     524288 kB\n");
        write("proc/stat", "cpu  100 0 100 700 100 0 0 0 50 0\ncpu0 1 2 3\n");
    }
    void TearDown() override { fs::remove_all(root_); }

    // Replaces the file whole, so a concurrent reader never sees it half-written.
    void write(const fs::path& relative, const std::string& text) {
        const fs::path target = root_ / relative;
        fs::create_directories(target.parent_path());
        const fs::path temporary = target.string() + ".new";
        std::ofstream(temporary) << text;
        fs::rename(temporary, target);
    }

    fs::path root_;
    common::ResourcePaths paths_;
};

TEST_F(ResourceTree, HostMemoryFollowsTheUpstreamFormula) {
    const auto memory = common::read_host_memory(paths_);
    ASSERT_TRUE(memory);
    EXPECT_EQ(memory->total, 8192 * kMiB);
    EXPECT_EQ(memory->used, (8192 - 1024 - 512 - 2048 - 512) * kMiB);
}

TEST_F(ResourceTree, HostCpuTimesLeaveGuestOutAndIdleAndIowaitOutOfBusy) {
    const auto times = common::read_host_cpu_times(paths_);
    ASSERT_TRUE(times);
    EXPECT_EQ(times->total, 1000u);
    EXPECT_EQ(times->busy, 200u);
}

TEST_F(ResourceTree, MissingProcFilesGiveNoFigures) {
    fs::remove_all(root_ / "proc");
    EXPECT_FALSE(common::read_host_memory(paths_));
    EXPECT_FALSE(common::read_host_cpu_times(paths_));
    const auto reading = common::read_resources(paths_);
    EXPECT_EQ(reading.memory_total_bytes, 0u);
    EXPECT_GE(reading.cpu_count, 1.0);
}

TEST_F(ResourceTree, CgroupV2LimitsAreTheTightestAlongThePath) {
    write("proc/self/cgroup", "0::/pod/box\n");
    write("cgroup/cgroup.controllers", "cpu memory\n");
    write("cgroup/pod/cpu.max", "150000 100000\n");
    write("cgroup/pod/memory.max", "536870912\n");
    write("cgroup/pod/box/cpu.max", "max 100000\n");
    write("cgroup/pod/box/memory.max", "1073741824\n");
    write("cgroup/pod/box/cpu.stat", "usage_usec 4200\nuser_usec 4000\n");
    write("cgroup/pod/box/memory.current", "314572800\n");
    write("cgroup/pod/box/memory.stat", "anon 1\ninactive_file 104857600\n");

    const auto figures = common::read_cgroup_figures(paths_);
    ASSERT_TRUE(figures.cpu_limit);
    EXPECT_DOUBLE_EQ(*figures.cpu_limit, 1.5);
    EXPECT_EQ(figures.memory_limit, 512 * kMiB);
    EXPECT_EQ(figures.cpu_usage_usec, 4200u);
    EXPECT_EQ(figures.memory_used, 200 * kMiB);
}

TEST_F(ResourceTree, CgroupV1ControllersAreReadWhenV2HasNone) {
    write("proc/self/cgroup", "0::/\n4:memory:/box\n2:cpu,cpuacct:/box\n");
    write("cgroup/unified/cgroup.controllers", "hugetlb\n");     // hybrid: v2 owns neither cpu nor memory
    write("cgroup/unified/cpu.stat", "usage_usec 999999999\n");  // the host's, not the cgroup's
    write("cgroup/cpu/box/cpu.cfs_quota_us", "250000\n");
    write("cgroup/cpu/box/cpu.cfs_period_us", "100000\n");
    write("cgroup/cpu/cpu.cfs_quota_us", "-1\n");
    write("cgroup/cpu/cpu.cfs_period_us", "100000\n");
    write("cgroup/cpuacct/box/cpuacct.usage", "7000000\n");
    write("cgroup/memory/box/memory.limit_in_bytes", "9223372036854771712\n");
    write("cgroup/memory/memory.limit_in_bytes", "268435456\n");
    write("cgroup/memory/box/memory.usage_in_bytes", "104857600\n");
    write("cgroup/memory/box/memory.stat", "cache 5\ntotal_inactive_file 52428800\n");

    const auto figures = common::read_cgroup_figures(paths_);
    ASSERT_TRUE(figures.cpu_limit);
    EXPECT_DOUBLE_EQ(*figures.cpu_limit, 2.5);
    EXPECT_EQ(figures.memory_limit, 256 * kMiB);
    EXPECT_EQ(figures.cpu_usage_usec, 7000u);
    EXPECT_EQ(figures.memory_used, 50 * kMiB);
}

TEST_F(ResourceTree, UnreadableOrUnlimitedCgroupFilesAreNoLimit) {
    write("proc/self/cgroup", "0::/box\n");
    write("cgroup/cgroup.controllers", "cpu memory\n");
    write("cgroup/box/cpu.max", "garbage\n");
    write("cgroup/box/memory.max", "max\n");
    write("cgroup/box/memory.current", "1048576\n");
    const auto figures = common::read_cgroup_figures(paths_);
    EXPECT_FALSE(figures.cpu_limit);
    EXPECT_FALSE(figures.memory_limit);
    EXPECT_EQ(figures.memory_used, kMiB);
}

TEST_F(ResourceTree, AReadingUsesTheCgroupLimitsAndUsage) {
    write("proc/self/cgroup", "0::/box\n");
    write("cgroup/cgroup.controllers", "cpu memory\n");
    write("cgroup/box/cpu.max", "50000 100000\n");
    write("cgroup/box/memory.max", "268435456\n");
    write("cgroup/box/cpu.stat", "usage_usec 10\n");
    write("cgroup/box/memory.current", "10485760\n");
    const auto reading = common::read_resources(paths_);
    EXPECT_EQ(reading.cpu_count, 1.0);  // half a CPU is reported as one, as upstream does
    EXPECT_EQ(reading.memory_total_bytes, 256 * kMiB);
    EXPECT_EQ(reading.memory_used_bytes, 10 * kMiB);
    EXPECT_EQ(reading.cpu_busy, 10u);
}

TEST_F(ResourceTree, ACgroupLimitAboveTheHostsMemoryIsNotReported) {
    write("proc/self/cgroup", "0::/box\n");
    write("cgroup/cgroup.controllers", "memory\n");
    write("cgroup/box/memory.max", "17179869184\n");
    EXPECT_EQ(common::read_resources(paths_).memory_total_bytes, 8192 * kMiB);
}

TEST(ResourceSnapshot, CpuPercentIsBusyOverCapacityBetweenReadings) {
    common::ResourceReading before;
    before.cpu_known = true;
    before.cpu_busy = 100;
    before.cpu_capacity = 1000;
    common::ResourceReading after = before;
    after.cpu_busy = 130;
    after.cpu_capacity = 1100;
    after.memory_used_bytes = 7;
    EXPECT_DOUBLE_EQ(common::snapshot_between(before, after).cpu_used_percent, 30.0);
    EXPECT_EQ(common::snapshot_between(before, after).memory_used_bytes, 7u);
    after.cpu_busy = 400;  // more busy time than capacity (coarse clocks): clamped
    EXPECT_DOUBLE_EQ(common::snapshot_between(before, after).cpu_used_percent, 100.0);
    after.cpu_capacity = before.cpu_capacity;  // no time passed
    EXPECT_DOUBLE_EQ(common::snapshot_between(before, after).cpu_used_percent, 0.0);
    after.cpu_capacity = 1100;
    before.cpu_known = false;  // a failed reading is not a zero reading
    EXPECT_DOUBLE_EQ(common::snapshot_between(before, after).cpu_used_percent, 0.0);
}

TEST_F(ResourceTree, TheSamplerPublishesEachIntervalsCpuUse) {
    common::ResourceSampler sampler(std::chrono::milliseconds(20), paths_);
    EXPECT_EQ(sampler.latest().cpu_used_percent, 0.0);
    write("proc/stat", "cpu  150 0 150 750 150 0 0 0 0 0\n");  // busy +100 of total +200
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (sampler.latest().cpu_used_percent == 0.0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_DOUBLE_EQ(sampler.latest().cpu_used_percent, 50.0);
    EXPECT_EQ(sampler.latest().memory_total_bytes, 8192 * kMiB);
}

}  // namespace
