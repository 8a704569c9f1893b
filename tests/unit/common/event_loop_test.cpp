#include "common/event_loop.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace common {
namespace {

struct SocketPair {
    UniqueFd a;
    UniqueFd b;
    SocketPair() {
        int fds[2];
        EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
        a.reset(fds[0]);
        b.reset(fds[1]);
    }
};

TEST(EventLoop, DispatchesReadableDescriptors) {
    EventLoop loop;
    SocketPair pair;
    std::string received;
    loop.watch(pair.b.get(), EPOLLIN, [&](uint32_t events) {
        EXPECT_TRUE(events & EPOLLIN);
        char buffer[16];
        ssize_t n = read(pair.b.get(), buffer, sizeof buffer);
        received.append(buffer, static_cast<size_t>(n));
        loop.stop();
    });
    ASSERT_EQ(write(pair.a.get(), "ping", 4), 4);
    loop.run();
    EXPECT_EQ(received, "ping");
}

TEST(EventLoop, TimersFireInDueOrderAndCanBeCancelled) {
    EventLoop loop;
    std::vector<int> fired;
    const auto start = EventLoop::Clock::now();  // before the timers are due-stamped
    loop.run_after(std::chrono::milliseconds(30), [&] {
        fired.push_back(3);
        loop.stop();
    });
    loop.run_after(std::chrono::milliseconds(10), [&] { fired.push_back(1); });
    auto cancelled = loop.run_after(std::chrono::milliseconds(20), [&] { fired.push_back(2); });
    loop.cancel_timer(cancelled);
    loop.run();
    EXPECT_EQ(fired, (std::vector<int>{1, 3}));
    EXPECT_GE(EventLoop::Clock::now() - start, std::chrono::milliseconds(30));
}

TEST(EventLoop, PostAndStopWorkFromOtherThreads) {
    EventLoop loop;
    std::thread::id ran_on;
    std::thread poster([&] {
        loop.post([&] { ran_on = std::this_thread::get_id(); });
        loop.stop();
    });
    loop.run();
    poster.join();
    if (ran_on == std::thread::id()) {
        loop.run_once(std::chrono::milliseconds(0));  // the task may land after the stop round
    }
    EXPECT_EQ(ran_on, std::this_thread::get_id());
}

TEST(EventLoop, UnwatchInsideABatchSuppressesStaleEvents) {
    EventLoop loop;
    SocketPair first;
    SocketPair second;
    int calls = 0;
    auto on_ready = [&](uint32_t) {
        ++calls;
        // Whichever runs first removes both; the other's pending event must not be delivered.
        loop.unwatch(first.b.get());
        loop.unwatch(second.b.get());
    };
    loop.watch(first.b.get(), EPOLLIN, on_ready);
    loop.watch(second.b.get(), EPOLLIN, on_ready);
    ASSERT_EQ(write(first.a.get(), "x", 1), 1);
    ASSERT_EQ(write(second.a.get(), "y", 1), 1);
    loop.run_once(std::chrono::milliseconds(100));
    EXPECT_EQ(calls, 1);
    EXPECT_FALSE(loop.is_watching(first.b.get()));
}

TEST(EventLoop, ChangeEventsOnUnknownFdIsAnError) {
    EventLoop loop;
    EXPECT_THROW(loop.change_events(12345, EPOLLIN), std::logic_error);
}

}  // namespace
}  // namespace common
