// execd as the init of a fresh pid namespace: it reaps orphans, yet every managed command's exit
// status reaches its own stream.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "execd_test_support.hpp"

namespace execd_test {
namespace {

constexpr const char* kUnshare = "/usr/bin/unshare";

TEST(ExecdPid1Test, ReapsOrphansAndKeepsExitCodesExact) {
    if (::geteuid() != 0 || ::access(kUnshare, X_OK) != 0) {
        GTEST_SKIP() << "needs root and unshare";
    }
    ExecdProcess execd({"--graceful-shutdown-timeout", "0s"}, {}, {kUnshare, "-fp", "--mount-proc"});
    EXPECT_EQ(texts_of(run_command(execd.port(), {{"command", "echo $PPID"}}).events, "stdout"),
              std::vector<std::string>{"1"});

    constexpr int kThreads = 4;
    constexpr int kRunsPerThread = 40;  // 160 runs: a few seconds on a loaded 2-core machine
    std::atomic<int> exact{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < kThreads; ++t) {
        clients.emplace_back([&, t] {
            for (int i = 0; i < kRunsPerThread; ++i) {
                const int code = (t * kRunsPerThread + i) % 256;
                // Each command leaves an orphan behind for PID 1 to reap.
                const auto stream =
                    run_command(execd.port(), {{"command", "(sleep 0.01 &); exit " + std::to_string(code)}});
                const auto& last = stream.events.back();
                const bool ok =
                    code == 0 ? last["type"] == "execution_complete"
                              : last["type"] == "error" && last["error"]["evalue"] == std::to_string(code);
                exact += ok ? 1 : 0;
            }
        });
    }
    for (auto& client : clients) {
        client.join();
    }
    EXPECT_EQ(exact.load(), kThreads * kRunsPerThread);
    const nlohmann::json count_zombies = {
        {"command", "cat /proc/[0-9]*/stat 2>/dev/null | awk '$3==\"Z\"' | wc -l"}};
    EXPECT_TRUE(eventually([&] {
        return texts_of(run_command(execd.port(), count_zombies).events, "stdout") ==
               std::vector<std::string>{"0"};
    }));
}

}  // namespace
}  // namespace execd_test
