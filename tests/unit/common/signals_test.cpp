#include "common/signals.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace {

using namespace std::chrono_literals;

bool is_blocked(int signal_number) {
    sigset_t current;
    pthread_sigmask(SIG_SETMASK, nullptr, &current);
    return sigismember(&current, signal_number) == 1;
}

TEST(BlockedSignals, BlocksShutdownSignalsAndRestoresMaskOnDestruction) {
    ASSERT_FALSE(is_blocked(SIGTERM));
    ASSERT_FALSE(is_blocked(SIGINT));
    {
        const auto signals = common::BlockedSignals::for_shutdown();
        EXPECT_TRUE(is_blocked(SIGTERM));
        EXPECT_TRUE(is_blocked(SIGINT));
        EXPECT_FALSE(is_blocked(SIGHUP));
    }
    EXPECT_FALSE(is_blocked(SIGTERM));
    EXPECT_FALSE(is_blocked(SIGINT));
}

TEST(BlockedSignals, KeepsSignalsThatWereAlreadyBlocked) {
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &usr1, nullptr);
    {
        const common::BlockedSignals signals({SIGUSR1, SIGUSR2});
        EXPECT_TRUE(is_blocked(SIGUSR2));
    }
    EXPECT_TRUE(is_blocked(SIGUSR1));
    EXPECT_FALSE(is_blocked(SIGUSR2));
    pthread_sigmask(SIG_UNBLOCK, &usr1, nullptr);
}

TEST(BlockedSignals, WaitReturnsTheRaisedSignal) {
    common::BlockedSignals signals = common::BlockedSignals::for_shutdown();
    ASSERT_EQ(::raise(SIGTERM), 0);
    EXPECT_EQ(signals.wait(1000ms), SIGTERM);
    ASSERT_EQ(::raise(SIGINT), 0);
    EXPECT_EQ(signals.wait(), SIGINT);
}

TEST(BlockedSignals, WaitTimesOutWhenNothingArrives) {
    common::BlockedSignals signals = common::BlockedSignals::for_shutdown();
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(signals.wait(30ms), std::nullopt);
    EXPECT_GE(std::chrono::steady_clock::now() - start, 29ms);
    EXPECT_EQ(signals.take_pending(), std::nullopt);
}

TEST(BlockedSignals, SighupOnlyWhenRequested) {
    common::BlockedSignals signals = common::BlockedSignals::for_shutdown(/*with_sighup=*/true);
    EXPECT_TRUE(is_blocked(SIGHUP));
    ASSERT_EQ(::raise(SIGHUP), 0);
    EXPECT_EQ(signals.wait(1000ms), SIGHUP);
}

TEST(BlockedSignals, FdBecomesReadableForEpollLoops) {
    common::BlockedSignals signals = common::BlockedSignals::for_shutdown();
    EXPECT_NE(::fcntl(signals.fd(), F_GETFL) & O_NONBLOCK, 0);
    EXPECT_NE(::fcntl(signals.fd(), F_GETFD) & FD_CLOEXEC, 0);
    pollfd entry{signals.fd(), POLLIN, 0};
    EXPECT_EQ(::poll(&entry, 1, 0), 0);
    ASSERT_EQ(::raise(SIGTERM), 0);
    EXPECT_EQ(::poll(&entry, 1, 1000), 1);
    EXPECT_EQ(signals.take_pending(), SIGTERM);
    EXPECT_EQ(signals.take_pending(), std::nullopt);
}

// Threads started after construction inherit the mask, so a process-directed signal sent from one of them
// (like a SIGTERM from the container runtime) waits for the signalfd instead of killing the process.
TEST(BlockedSignals, ProcessDirectedSignalFromAnotherThreadIsDelivered) {
    common::BlockedSignals signals = common::BlockedSignals::for_shutdown();
    bool worker_had_signal_blocked = false;
    std::thread worker([&] {
        worker_had_signal_blocked = is_blocked(SIGTERM);
        std::this_thread::sleep_for(20ms);
        ::kill(::getpid(), SIGTERM);
    });
    const std::optional<int> received = signals.wait(5000ms);
    worker.join();
    EXPECT_TRUE(worker_had_signal_blocked);
    EXPECT_EQ(received, SIGTERM);
}

TEST(BlockedSignals, RejectsInvalidSignalSets) {
    EXPECT_THROW(common::BlockedSignals({}), std::invalid_argument);
    EXPECT_THROW(common::BlockedSignals({SIGTERM, 9999}), std::invalid_argument);
    EXPECT_FALSE(is_blocked(SIGTERM));
}

}  // namespace
