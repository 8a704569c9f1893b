// The core issue's scale checks, labelled heavy: a thousand concurrent streams, and a thousand exit
// codes through execd running as PID 1 of its own pid namespace.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "execd_test_support.hpp"

namespace execd_test {
namespace {

using namespace std::chrono_literals;

// Each stream costs execd a socket, two pipes and a log file; the test holds a socket per stream.
bool raise_open_file_limit(rlim_t wanted) {
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = std::min(limit.rlim_max, std::max(limit.rlim_cur, wanted));
    return ::setrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur >= wanted;
}

// Runs `clients` threads that each call `one(client_index)`; returns how many returned true.
template <typename Client>
int count_successes(int clients, Client one) {
    std::atomic<int> good{0};
    std::vector<std::thread> threads;
    threads.reserve(static_cast<std::size_t>(clients));
    for (int c = 0; c < clients; ++c) {
        threads.emplace_back([&, c] { good += one(c) ? 1 : 0; });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    return good.load();
}

TEST(ExecdScaleTest, AThousandConcurrentStreamsLoseNothingAndLeakNothing) {
    constexpr int kCommands = 1000;
    if (!raise_open_file_limit(8 * kCommands)) {
        GTEST_SKIP() << "the open-file limit cannot be raised to " << 8 * kCommands;
    }
    ExecdProcess execd({"--graceful-shutdown-timeout", "0s"});
    // A thousand shells share two cores: a stream may wait long for its first event; that is not lost.
    read_timeout = 120s;
    const std::size_t fds_before = count_open_fds(execd.pid());
    const int good = count_successes(kCommands, [&](int c) {
        // Each stream's lines carry its own number, so output crossing streams would show too.
        const std::string tag = std::to_string(c);
        const auto stream = run_command(
            execd.port(), {{"command", "for i in $(seq 1 20); do echo " + tag + ":$i; echo e$i >&2; done"}});
        std::vector<std::string> expected_out;
        std::vector<std::string> expected_err;
        for (int i = 1; i <= 20; ++i) {
            expected_out.push_back(tag + ":" + std::to_string(i));
            expected_err.push_back("e" + std::to_string(i));
        }
        return !stream.events.empty() && texts_of(stream.events, "stdout") == expected_out &&
               texts_of(stream.events, "stderr") == expected_err &&
               stream.events.back()["type"] == "execution_complete";
    });
    EXPECT_EQ(good, kCommands);
    EXPECT_TRUE(eventually([&] { return count_open_fds(execd.pid()) <= fds_before; }, 10s))
        << count_open_fds(execd.pid()) << " fds, was " << fds_before;
    EXPECT_TRUE(eventually([&] { return zombie_children(execd.pid()).empty(); }, 10s));
    read_timeout = 30s;
}

TEST(ExecdScaleTest, AsPid1AThousandExitCodesAreExact) {
    constexpr const char* kUnshareProgram = "/usr/bin/unshare";
    if (::geteuid() != 0 || ::access(kUnshareProgram, X_OK) != 0) {
        GTEST_SKIP() << "needs root and unshare";
    }
    ExecdProcess execd({"--graceful-shutdown-timeout", "0s"}, {}, {kUnshareProgram, "-fp", "--mount-proc"});
    constexpr int kThreads = 8;
    constexpr int kRunsPerThread = 125;
    const int exact = count_successes(kThreads, [&](int t) {
        bool all_exact = true;
        for (int i = 0; i < kRunsPerThread; ++i) {
            const int code = (t * kRunsPerThread + i) % 256;
            // Each command leaves an orphan behind for PID 1 to reap.
            const auto stream =
                run_command(execd.port(), {{"command", "(sleep 0.01 &); exit " + std::to_string(code)}});
            const bool ok = !stream.events.empty() &&
                            (code == 0 ? stream.events.back()["type"] == "execution_complete"
                                       : stream.events.back()["error"]["evalue"] == std::to_string(code));
            all_exact = all_exact && ok;
        }
        return all_exact;
    });
    EXPECT_EQ(exact, kThreads);
    const nlohmann::json count_zombies = {
        {"command", "cat /proc/[0-9]*/stat 2>/dev/null | awk '$3==\"Z\"' | wc -l"}};
    EXPECT_TRUE(eventually([&] {
        return texts_of(run_command(execd.port(), count_zombies).events, "stdout") ==
               std::vector<std::string>{"0"};
    }));
}

}  // namespace
}  // namespace execd_test
