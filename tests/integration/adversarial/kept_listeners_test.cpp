// The DNS listeners outlive a crashed egress in a keeper of egress's cgroup: a query that arrives
// meanwhile waits and is answered by the next egress, and the workload gets neither the listeners
// from the keeper nor the proxy's port.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>
#include <future>

#include "adversarial_fixture.hpp"
#include "harness/echo_server.hpp"
#include "harness/netns_scope.hpp"

namespace {

using namespace egress_binary_test;
using adversarial_test::OwnCgroupAdversarialTest;
using namespace std::chrono_literals;

class KeptListenersTest : public OwnCgroupAdversarialTest {
  protected:
    void start_serving() {
        start_with_backend(
            {"OPENSANDBOX_EGRESS_MODE=dns+nft", std::string("OPENSANDBOX_EGRESS_RULES=") + kAllowStarAllowed},
            true);
        ASSERT_TRUE(serving_with_backend()) << process_->read_log();
    }
};

TEST_P(KeptListenersTest, AQueryThatArrivesWhileEgressIsDownIsAnsweredOnceItIsBack) {
    start_serving();
    process_->kill();  // egress's whole process group, as a crash; the keeper has a session of its own
    auto waiting = std::async(std::launch::async, [&] {
        return harness::dns_query(topology_->sandbox(), std::string(Topology::kUpstreamIpv4), 53,
                                  "www.allowed.test", kDnsTypeA, false, 5000ms);
    });
    std::this_thread::sleep_for(500ms);
    ASSERT_EQ(waiting.wait_for(0ms), std::future_status::timeout) << "no answer while egress is down";
    start_serving();
    const auto answer = waiting.get();
    EXPECT_TRUE(answer.ok()) << "error " << answer.error;
    EXPECT_EQ(answer.addresses(), std::vector<std::string>{"198.51.100.10"});
    EXPECT_NE(process_->read_log().find("took over 4 of the 4 DNS listener(s)"), std::string::npos)
        << process_->read_log();
}

TEST_P(KeptListenersTest, TheKeeperGivesNothingToAProcessOutsideEgressCgroup) {
    start_serving();
    harness::NetnsScope scope(topology_->sandbox());  // the test process: the workload's cgroup
    const int connection = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    ASSERT_GE(connection, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const char name[] = "opensandbox-egress-dns-listeners";
    std::memcpy(address.sun_path + 1, name, sizeof name - 1);
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + sizeof name);
    // The keeper binds its address a moment after egress serves.
    const auto deadline = std::chrono::steady_clock::now() + 3s;
    while (::connect(connection, reinterpret_cast<sockaddr*>(&address), length) != 0) {
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << std::strerror(errno);
        std::this_thread::sleep_for(50ms);
    }
    char byte = 0;
    iovec data{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 16)] = {};
    msghdr message{};
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    EXPECT_EQ(::recvmsg(connection, &message, MSG_CMSG_CLOEXEC), 0) << "the keeper closes without a word";
    EXPECT_EQ(CMSG_FIRSTHDR(&message), nullptr) << "no descriptors";
    ::close(connection);
}

TEST_P(KeptListenersTest, WhileTheKeeperHoldsTheProxyPortAWorkloadCannotBindIt) {
    start_serving();
    process_->kill();
    EXPECT_THROW(harness::EchoServer({topology_->sandbox(), "127.0.0.1", kProxyPort, "squatter"}),
                 std::exception);
    kill_rest_of_cgroup();
    EXPECT_NO_THROW(harness::EchoServer({topology_->sandbox(), "127.0.0.1", kProxyPort, "squatter"}))
        << "the port is free once the keeper is gone (the filter then keeps queries from a squatter)";
}

INSTANTIATE_FOR_BOTH_REDIRECT_BACKENDS(KeptListenersTest);

}  // namespace
