#include "common/event_fd.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>

#include <thread>

namespace {

bool is_readable(int fd, int timeout_ms = 0) {
    pollfd entry{fd, POLLIN, 0};
    return ::poll(&entry, 1, timeout_ms) == 1 && (entry.revents & POLLIN) != 0;
}

TEST(EventFd, StartsNotReadableAndNonBlocking) {
    common::EventFd wakeup;
    EXPECT_FALSE(is_readable(wakeup.fd()));
    EXPECT_EQ(wakeup.drain(), 0u);
    EXPECT_NE(::fcntl(wakeup.fd(), F_GETFL) & O_NONBLOCK, 0);
    EXPECT_NE(::fcntl(wakeup.fd(), F_GETFD) & FD_CLOEXEC, 0);
}

TEST(EventFd, NotifyMakesReadableAndDrainCountsAndResets) {
    common::EventFd wakeup;
    wakeup.notify();
    wakeup.notify();
    wakeup.notify();
    EXPECT_TRUE(is_readable(wakeup.fd()));
    EXPECT_EQ(wakeup.drain(), 3u);
    EXPECT_FALSE(is_readable(wakeup.fd()));
    EXPECT_EQ(wakeup.drain(), 0u);
}

TEST(EventFd, WakesAWaiterFromAnotherThread) {
    common::EventFd wakeup;
    std::thread notifier([&wakeup] { wakeup.notify(); });
    EXPECT_TRUE(is_readable(wakeup.fd(), 5000));
    notifier.join();
    EXPECT_EQ(wakeup.drain(), 1u);
}

}  // namespace
