#include "common/event_loop.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <memory>
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

// Makes `call` on this thread while another thread runs `loop`, then stops that thread.
void call_while_running_elsewhere(EventLoop& loop, const std::function<void()>& call) {
    std::promise<void> running;
    loop.post([&] { running.set_value(); });
    std::thread runner([&] { loop.run(); });
    running.get_future().wait();
    call();
    loop.stop();
    runner.join();
}

using EventLoopDeathTest = ::testing::Test;

TEST_F(EventLoopDeathTest, TableCallsOffTheRunningThreadAbort) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    const auto off_thread = [](const std::function<void(EventLoop&, int fd)>& call) {
        EventLoop loop;
        SocketPair pair;
        loop.watch(pair.b.get(), EPOLLIN, [](uint32_t) {});
        call_while_running_elsewhere(loop, [&] { call(loop, pair.b.get()); });
    };
    const char* message = "called off the loop's thread while the loop runs";
    EXPECT_DEATH(off_thread([](EventLoop& loop, int) { loop.run_after(std::chrono::seconds(1), [] {}); }),
                 message);
    EXPECT_DEATH(off_thread([](EventLoop& loop, int) { loop.cancel_timer(1); }), message);
    EXPECT_DEATH(off_thread([](EventLoop& loop, int fd) { loop.watch(fd, EPOLLOUT, [](uint32_t) {}); }),
                 message);
    EXPECT_DEATH(off_thread([](EventLoop& loop, int fd) { loop.change_events(fd, EPOLLOUT); }), message);
    EXPECT_DEATH(off_thread([](EventLoop& loop, int fd) { loop.unwatch(fd); }), message);
}

TEST_F(EventLoopDeathTest, RunningOnTwoThreadsAtOnceAborts) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    const auto second_runner = [] {
        EventLoop loop;
        call_while_running_elsewhere(loop, [&] { loop.run_once(std::chrono::milliseconds(0)); });
    };
    EXPECT_DEATH(second_runner(), "the loop is already running on another thread");
}

TEST(EventLoop, TableCallsFromAnyThreadAreFineWhileNoThreadRunsIt) {
    EventLoop loop;
    bool fired = false;
    std::thread([&] { loop.run_after(std::chrono::milliseconds(0), [&] { fired = true; }); }).join();
    call_while_running_elsewhere(loop, [] {});
    const auto id = loop.run_after(std::chrono::seconds(1), [] {});
    std::thread([&] { loop.cancel_timer(id); }).join();
    EXPECT_TRUE(fired);
}

TEST(EventLoop, CloseDestroysPendingWorkWithoutRunningIt) {
    EventLoop loop;
    SocketPair pair;
    auto held = std::make_shared<int>(0);
    bool ran = false;
    loop.run_after(std::chrono::milliseconds(0), [held, &ran] { ran = true; });
    loop.watch(pair.b.get(), EPOLLIN, [held, &ran](uint32_t) { ran = true; });
    loop.post([held, &ran] { ran = true; });
    ASSERT_EQ(write(pair.a.get(), "x", 1), 1);
    loop.close();
    EXPECT_EQ(held.use_count(), 1);
    loop.run_once(std::chrono::milliseconds(0));
    EXPECT_FALSE(ran);
    EXPECT_FALSE(loop.is_watching(pair.b.get()));
}

TEST(EventLoop, ClosedLoopRefusesNewWork) {
    EventLoop loop;
    loop.close();
    auto held = std::make_shared<int>(0);
    EXPECT_FALSE(loop.post([held] {}));
    EXPECT_EQ(loop.run_after(std::chrono::milliseconds(0), [held] {}), 0U);
    SocketPair pair;
    loop.watch(pair.b.get(), EPOLLIN, [held](uint32_t) {});
    EXPECT_EQ(held.use_count(), 1);
    EXPECT_FALSE(loop.is_watching(pair.b.get()));
}

// What a callback owns may cancel its timer or unwatch its descriptor when close() destroys it.
TEST(EventLoop, CallbacksDestroyedByCloseMayStillUseTheLoop) {
    EventLoop loop;
    SocketPair pair;
    struct CleansUp {
        CleansUp(EventLoop& owner_loop, int watched) : loop(owner_loop), fd(watched) {}
        ~CleansUp() {
            loop.cancel_timer(timer);
            loop.unwatch(fd);
        }
        EventLoop& loop;
        int fd;
        EventLoop::TimerId timer = 0;
    };
    auto owner = std::make_shared<CleansUp>(loop, pair.b.get());
    owner->timer = loop.run_after(std::chrono::seconds(1), [owner] {});
    loop.watch(pair.b.get(), EPOLLIN, [owner](uint32_t) {});
    owner.reset();
    loop.close();
    EXPECT_FALSE(loop.is_watching(pair.b.get()));
}

}  // namespace
}  // namespace common
