#include "common/epoll.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <string>
#include <system_error>
#include <thread>

#include "common/event_fd.hpp"
#include "common/fd.hpp"

namespace {

using namespace std::chrono_literals;

struct Pipe {
    common::UniqueFd read_end;
    common::UniqueFd write_end;

    Pipe() {
        std::array<int, 2> fds{};
        if (::pipe2(fds.data(), O_CLOEXEC | O_NONBLOCK) != 0) {
            throw std::system_error(errno, std::system_category(), "pipe2");
        }
        read_end.reset(fds[0]);
        write_end.reset(fds[1]);
    }

    void write_byte() const { ASSERT_EQ(::write(write_end.get(), "x", 1), 1); }
};

TEST(Epoll, TimesOutWithNoEvents) {
    common::Epoll epoll;
    Pipe pipe;
    epoll.add(pipe.read_end.get(), EPOLLIN, uint64_t{1});
    std::vector<common::ReadyEvent> ready{{EPOLLIN, 99}};  // stale contents must be cleared
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(epoll.wait(ready, 20ms), 0u);
    EXPECT_TRUE(ready.empty());
    EXPECT_GE(std::chrono::steady_clock::now() - start, 19ms);
}

TEST(Epoll, ReportsReadyDescriptorWithItsNumericTag) {
    common::Epoll epoll;
    Pipe first;
    Pipe second;
    epoll.add(first.read_end.get(), EPOLLIN, uint64_t{111});
    epoll.add(second.read_end.get(), EPOLLIN, uint64_t{222});
    second.write_byte();
    std::vector<common::ReadyEvent> ready;
    ASSERT_EQ(epoll.wait(ready, 1000ms), 1u);
    EXPECT_EQ(ready[0].tag, 222u);
    EXPECT_NE(ready[0].events & EPOLLIN, 0u);
}

TEST(Epoll, PointerTagRoundTrips) {
    common::Epoll epoll;
    Pipe pipe;
    std::string handler = "connection handler";
    epoll.add(pipe.read_end.get(), EPOLLIN, &handler);
    pipe.write_byte();
    std::vector<common::ReadyEvent> ready;
    ASSERT_EQ(epoll.wait(ready, 1000ms), 1u);
    EXPECT_EQ(ready[0].tag_as_pointer<std::string>(), &handler);
}

TEST(Epoll, ModifyChangesInterestAndTag) {
    common::Epoll epoll;
    Pipe pipe;
    epoll.add(pipe.write_end.get(), EPOLLIN, uint64_t{1});  // a pipe's write end never becomes readable
    std::vector<common::ReadyEvent> ready;
    EXPECT_EQ(epoll.wait(ready, 0ms), 0u);
    epoll.modify(pipe.write_end.get(), EPOLLOUT, uint64_t{2});
    ASSERT_EQ(epoll.wait(ready, 0ms), 1u);
    EXPECT_EQ(ready[0].tag, 2u);
    EXPECT_NE(ready[0].events & EPOLLOUT, 0u);
}

TEST(Epoll, RemoveStopsReporting) {
    common::Epoll epoll;
    Pipe pipe;
    epoll.add(pipe.read_end.get(), EPOLLIN, uint64_t{7});
    pipe.write_byte();
    epoll.remove(pipe.read_end.get());
    std::vector<common::ReadyEvent> ready;
    EXPECT_EQ(epoll.wait(ready, 0ms), 0u);
}

TEST(Epoll, ReportsHangupWhenWriterCloses) {
    common::Epoll epoll;
    Pipe pipe;
    epoll.add(pipe.read_end.get(), EPOLLIN, uint64_t{5});
    pipe.write_end.reset();
    std::vector<common::ReadyEvent> ready;
    ASSERT_EQ(epoll.wait(ready, 1000ms), 1u);
    EXPECT_NE(ready[0].events & EPOLLHUP, 0u);
}

TEST(Epoll, ErrorsNameTheOperation) {
    common::Epoll epoll;
    Pipe pipe;
    epoll.add(pipe.read_end.get(), EPOLLIN, uint64_t{1});
    try {
        epoll.add(pipe.read_end.get(), EPOLLIN, uint64_t{1});
        FAIL() << "adding a descriptor twice should throw";
    } catch (const std::system_error& error) {
        EXPECT_EQ(error.code(), std::errc::file_exists);
        EXPECT_NE(std::string(error.what()).find("epoll_ctl(ADD, fd " + std::to_string(pipe.read_end.get())),
                  std::string::npos)
            << error.what();
    }
    try {
        epoll.remove(12345);
        FAIL() << "removing an unknown descriptor should throw";
    } catch (const std::system_error& error) {
        EXPECT_EQ(error.code(), std::errc::bad_file_descriptor);
        EXPECT_NE(std::string(error.what()).find("epoll_ctl(DEL"), std::string::npos) << error.what();
    }
    EXPECT_THROW(epoll.modify(pipe.write_end.get(), EPOLLOUT, uint64_t{1}), std::system_error);
}

TEST(Epoll, ReturnsAtMostMaxEventsPerWait) {
    common::Epoll epoll(2);
    std::array<Pipe, 3> pipes;
    for (size_t i = 0; i < pipes.size(); ++i) {
        epoll.add(pipes[i].read_end.get(), EPOLLIN, uint64_t{i});
        pipes[i].write_byte();
    }
    std::vector<common::ReadyEvent> ready;
    EXPECT_EQ(epoll.wait(ready, 0ms), 2u);
    EXPECT_THROW(common::Epoll(0), std::invalid_argument);
}

TEST(Epoll, EventFdWakesAWaitingLoop) {
    common::Epoll epoll;
    common::EventFd wakeup;
    epoll.add(wakeup.fd(), EPOLLIN, &wakeup);
    std::thread notifier([&wakeup] {
        std::this_thread::sleep_for(10ms);
        wakeup.notify();
    });
    std::vector<common::ReadyEvent> ready;
    const size_t count = epoll.wait(ready, common::Epoll::kWaitForever);
    notifier.join();
    ASSERT_EQ(count, 1u);
    EXPECT_EQ(ready[0].tag_as_pointer<common::EventFd>(), &wakeup);
    EXPECT_EQ(wakeup.drain(), 1u);
}

// A signal handled by a handler interrupts epoll_wait with EINTR; wait() must keep waiting.
TEST(Epoll, RetriesAfterSignalInterruption) {
    struct sigaction action {};
    action.sa_handler = [](int) {};
    sigemptyset(&action.sa_mask);
    struct sigaction previous {};
    ASSERT_EQ(::sigaction(SIGUSR1, &action, &previous), 0);

    common::Epoll epoll;
    common::EventFd wakeup;
    epoll.add(wakeup.fd(), EPOLLIN, uint64_t{42});
    const pthread_t waiting_thread = pthread_self();
    std::thread interrupter([&] {
        std::this_thread::sleep_for(20ms);
        pthread_kill(waiting_thread, SIGUSR1);
        std::this_thread::sleep_for(20ms);
        wakeup.notify();
    });
    std::vector<common::ReadyEvent> ready;
    const size_t count = epoll.wait(ready, 5000ms);
    interrupter.join();
    ::sigaction(SIGUSR1, &previous, nullptr);
    ASSERT_EQ(count, 1u);
    EXPECT_EQ(ready[0].tag, 42u);
}

}  // namespace
