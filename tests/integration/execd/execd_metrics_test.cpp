// GET /metrics and GET /metrics/watch against the real binary, including inside a real cgroup.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "execd_test_support.hpp"

namespace execd_test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

int64_t unix_ms_now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

void expect_upstream_metrics_shape(const nlohmann::ordered_json& body) {
    std::vector<std::string> keys;
    for (const auto& item : body.items()) {
        keys.push_back(item.key());
    }
    EXPECT_EQ(keys, (std::vector<std::string>{"cpu_count", "cpu_used_pct", "mem_total_mib", "mem_used_mib",
                                              "timestamp"}));
    EXPECT_GE(body["cpu_count"].get<double>(), 1.0);
    EXPECT_GE(body["cpu_used_pct"].get<double>(), 0.0);
    EXPECT_LE(body["cpu_used_pct"].get<double>(), 100.0);
    EXPECT_GT(body["mem_used_mib"].get<double>(), 0.0);
    EXPECT_LE(body["mem_used_mib"].get<double>(), body["mem_total_mib"].get<double>());
    EXPECT_NEAR(static_cast<double>(body["timestamp"].get<int64_t>()), static_cast<double>(unix_ms_now()),
                10000);
}

TEST(ExecdMetricsTest, MetricsAnswersAtOnceWithUpstreamsFields) {
    ExecdProcess execd;
    const auto start = std::chrono::steady_clock::now();
    const HttpResponse response = http_request(execd.port(), "GET", "/metrics");
    const auto elapsed = std::chrono::steady_clock::now() - start;
    ASSERT_EQ(response.status, 200);
    EXPECT_EQ(response.headers.at("content-type"), "application/json; charset=utf-8");
    expect_upstream_metrics_shape(nlohmann::ordered_json::parse(response.body));
    EXPECT_LT(elapsed, 900ms) << "upstream blocks a second per request; this must not";
}

TEST(ExecdMetricsTest, WatchSendsOneObjectAndABlankLinePerInterval) {
    ExecdProcess execd;
    HttpConnection connection(execd.port());
    connection.send_request("GET", "/metrics/watch?interval=0.2");
    const HttpResponse head = connection.read_head();
    ASSERT_EQ(head.status, 200);
    EXPECT_EQ(head.headers.at("content-type"), "text/event-stream");
    int64_t previous = 0;
    for (int i = 0; i < 3; ++i) {
        const auto chunk = connection.read_chunk();
        ASSERT_TRUE(chunk);
        ASSERT_TRUE(chunk->ends_with("}\n\n")) << *chunk;
        const auto body = nlohmann::ordered_json::parse(chunk->substr(0, chunk->size() - 2));
        expect_upstream_metrics_shape(body);
        EXPECT_GE(body["timestamp"].get<int64_t>(), previous);
        previous = body["timestamp"].get<int64_t>();
    }
    connection.close();
    EXPECT_EQ(http_request(execd.port(), "GET", "/ping").status, 200);
    EXPECT_EQ(execd.terminate(), 0);
}

TEST(ExecdMetricsTest, ABadWatchIntervalIs400) {
    ExecdProcess execd;
    for (const std::string interval : {"abc", "0", "-1", "0.01", "99999", "1s", ""}) {
        const HttpResponse response =
            http_request(execd.port(), "GET", "/metrics/watch?interval=" + interval);
        EXPECT_EQ(response.status, 400) << interval;
        EXPECT_EQ(nlohmann::json::parse(response.body)["code"], "INVALID_QUERY") << interval;
    }
}

TEST(ExecdMetricsTest, MetricsNeedTheAccessTokenWhenOneIsSet) {
    ExecdProcess execd({"-access-token", "s3cret"});
    EXPECT_EQ(http_request(execd.port(), "GET", "/metrics").status, 401);
    EXPECT_EQ(http_request(execd.port(), "GET", "/metrics/watch").status, 401);
    EXPECT_EQ(http_request(execd.port(), "GET", "/metrics", "", {"X-EXECD-ACCESS-TOKEN: s3cret"}).status,
              200);
}

TEST(ExecdMetricsTest, WatchStreamsEndOnShutdown) {
    ExecdProcess execd({"-graceful-shutdown-timeout=5s"});
    HttpConnection connection(execd.port());
    connection.send_request("GET", "/metrics/watch?interval=0.1");
    ASSERT_EQ(connection.read_head().status, 200);
    ASSERT_TRUE(connection.read_chunk());
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(execd.terminate(), 0);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 4s) << "shutdown waited for the watch stream";
}

// A cpu and a memory cgroup with limits, made for one test and removed after it (v1 controllers, or
// v2 when this process sits in the root of a unified hierarchy with both controllers enabled).
class LimitedCgroup {
  public:
    LimitedCgroup() {
        const std::string name = "osb-execd-metrics-" + std::to_string(::getpid());
        if (fs::exists("/sys/fs/cgroup/cpu/cpu.cfs_quota_us") &&
            fs::exists("/sys/fs/cgroup/memory/memory.limit_in_bytes")) {
            add(fs::path("/sys/fs/cgroup/cpu") / name,
                {{"cpu.cfs_period_us", "100000"}, {"cpu.cfs_quota_us", "150000"}});
            add(fs::path("/sys/fs/cgroup/memory") / name, {{"memory.limit_in_bytes", "268435456"}});
        } else if (in_v2_root_with_cpu_and_memory()) {
            add(fs::path("/sys/fs/cgroup") / name,
                {{"cpu.max", "150000 100000"}, {"memory.max", "268435456"}});
        }
    }
    ~LimitedCgroup() {
        for (const auto& directory : directories_) {
            std::error_code ignored;
            fs::remove(directory, ignored);  // rmdir; the test's processes have exited by now
        }
    }

    bool usable() const { return !directories_.empty(); }

    // A wrapper that moves itself into the cgroups, then becomes the command that follows.
    std::vector<std::string> wrapper() const {
        std::string script;
        for (const auto& directory : directories_) {
            script += "echo $$ > " + (directory / "cgroup.procs").string() + " && ";
        }
        return {"/bin/sh", "-c", script + "exec \"$@\"", "sh"};
    }

  private:
    static bool in_v2_root_with_cpu_and_memory() {
        std::ifstream own("/proc/self/cgroup");
        std::string line;
        std::getline(own, line);
        std::ifstream controls("/sys/fs/cgroup/cgroup.subtree_control");
        std::string enabled((std::istreambuf_iterator<char>(controls)), std::istreambuf_iterator<char>());
        return line == "0::/" && enabled.find("cpu") != std::string::npos &&
               enabled.find("memory") != std::string::npos;
    }

    void add(const fs::path& directory, const std::vector<std::pair<std::string, std::string>>& limits) {
        std::error_code error;
        if (!fs::create_directory(directory, error)) {
            return;
        }
        directories_.push_back(directory);
        for (const auto& [file, value] : limits) {
            std::ofstream(directory / file) << value;
        }
    }

    std::vector<fs::path> directories_;
};

TEST(ExecdMetricsTest, MetricsReportTheLimitsOfTheCgroupExecdRunsIn) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root to create cgroups";
    }
    LimitedCgroup cgroup;
    if (!cgroup.usable()) {
        GTEST_SKIP() << "no writable cgroup v1 cpu/memory controllers and not in a v2 root with both";
    }
    {
        ExecdProcess execd({}, {}, cgroup.wrapper());
        const auto body = nlohmann::json::parse(http_request(execd.port(), "GET", "/metrics").body);
        EXPECT_EQ(body["cpu_count"].get<double>(), 1.0);  // 1.5 CPUs of quota, floored as upstream does
        EXPECT_EQ(body["mem_total_mib"].get<double>(), 256.0);
        EXPECT_GT(body["mem_used_mib"].get<double>(), 0.0);
        EXPECT_LT(body["mem_used_mib"].get<double>(), 256.0);
        EXPECT_EQ(execd.terminate(), 0);
    }
}

}  // namespace
}  // namespace execd_test
