// A flood of idle connections neither exhausts execd's descriptors nor makes accept() spin: execd
// holds at most half its descriptor limit in connections and closes the longest-idle one to admit
// a new client.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "execd_test_support.hpp"
#include "harness/unique_fd.hpp"

namespace execd_test {
namespace {

using namespace std::chrono_literals;

// Opens `count` connections to `port`; every other one sends the start of a request head and
// stops (slowloris), the rest send nothing.
std::vector<harness::UniqueFd> flood(uint16_t port, int count) {
    std::vector<harness::UniqueFd> sockets;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < count; ++i) {
        harness::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
            continue;  // the backlog is full: the flood is as large as it gets
        }
        if (i % 2 == 1) {
            constexpr std::string_view kPartial = "GET /ping HTTP/1.1\r\nHost: x\r\n";
            [[maybe_unused]] const ssize_t sent =
                ::send(fd.get(), kPartial.data(), kPartial.size(), MSG_NOSIGNAL);
        }
        sockets.push_back(std::move(fd));
    }
    return sockets;
}

// True when /ping answers 200 on a new connection within a few seconds.
bool pings(uint16_t port) {
    const auto saved = read_timeout.exchange(5s);
    bool answered = false;
    try {
        answered = http_request(port, "GET", "/ping").status == 200;
    } catch (const std::exception&) {
    }
    read_timeout = saved;
    return answered;
}

// User plus system CPU time of a process, in clock ticks.
long cpu_ticks(pid_t pid) {
    std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    std::istringstream fields(text.substr(text.rfind(')') + 2));
    std::string field;
    long utime = 0;
    long stime = 0;
    for (int index = 3; fields >> field; ++index) {
        if (index == 14) {
            utime = std::stol(field);
        } else if (index == 15) {
            stime = std::stol(field);
            break;
        }
    }
    return utime + stime;
}

// Starts execd with a descriptor limit of `limit` (restored for the test process afterwards).
std::unique_ptr<ExecdProcess> execd_with_fd_limit(rlim_t limit) {
    rlimit saved{};
    ::getrlimit(RLIMIT_NOFILE, &saved);
    rlimit lowered = saved;
    lowered.rlim_cur = limit;
    ::setrlimit(RLIMIT_NOFILE, &lowered);
    std::unique_ptr<ExecdProcess> execd;
    try {
        execd = std::make_unique<ExecdProcess>();
    } catch (...) {
        ::setrlimit(RLIMIT_NOFILE, &saved);
        throw;
    }
    ::setrlimit(RLIMIT_NOFILE, &saved);
    return execd;
}

TEST(ExecdConnectionFloodTest, MoreIdleConnectionsThanDescriptorsLeaveExecdServing) {
    const auto execd = execd_with_fd_limit(256);
    const auto sockets = flood(execd->port(), 600);
    ASSERT_GT(sockets.size(), 300u);
    EXPECT_TRUE(pings(execd->port()));
    const CommandStream stream = run_command(execd->port(), {{"command", "echo still-running"}});
    EXPECT_EQ(texts_of(stream.events, "stdout"), std::vector<std::string>{"still-running"});
    // accept() does not spin while the flood holds on.
    const long before = cpu_ticks(execd->pid());
    std::this_thread::sleep_for(500ms);  // a measuring window, not a wait for an event
    EXPECT_LT(cpu_ticks(execd->pid()) - before, ::sysconf(_SC_CLK_TCK) / 10);
    EXPECT_TRUE(pings(execd->port()));
}

TEST(ExecdConnectionFloodTest, ConnectionsAreCappedAtHalfTheDescriptorLimit) {
    const auto execd = execd_with_fd_limit(128);
    const std::size_t baseline = count_open_fds(execd->pid());
    const auto sockets = flood(execd->port(), 300);
    EXPECT_TRUE(pings(execd->port()));
    // The descriptors settle at the cap of 64 (a refused or evicted connection is closed at once).
    EXPECT_TRUE(eventually([&] { return count_open_fds(execd->pid()) <= baseline + 64; }))
        << count_open_fds(execd->pid()) << " descriptors, " << baseline << " before the flood";
    EXPECT_TRUE(pings(execd->port()));
}

}  // namespace
}  // namespace execd_test
