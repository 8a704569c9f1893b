#include "harness/topology.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <future>
#include <latch>
#include <optional>
#include <sstream>
#include <thread>

#include "harness/command.hpp"
#include "harness/echo_server.hpp"
#include "harness/namespace_names.hpp"
#include "harness/net_clients.hpp"
#include "harness/net_socket.hpp"
#include "harness/netns.hpp"
#include "harness/netns_scope.hpp"
#include "harness/require_netns.hpp"
#include "test_support.hpp"

namespace {

using harness::Topology;
using namespace std::chrono_literals;

class TopologyTest : public testing::Test {
  protected:
    void SetUp() override {
        HARNESS_REQUIRE_NETNS();
        topology_.emplace();
    }

    std::string ip(const std::string& netns, const std::vector<std::string>& args) {
        std::vector<std::string> argv = {"ip", "-n", netns};
        argv.insert(argv.end(), args.begin(), args.end());
        return harness::run_checked(argv);
    }

    harness::EchoServer upstream_echo(const std::string& address, const std::string& name) {
        return harness::EchoServer({topology_->upstream(), address, 7, name});
    }

    std::optional<Topology> topology_;
    harness_test::TempDir logs_;
};

TEST_F(TopologyTest, NamespacesExistWithUniqueHarnessNames) {
    const std::string owner_prefix = "ost-" + std::to_string(::getpid()) + "-";
    EXPECT_TRUE(harness::namespace_exists(topology_->sandbox()));
    EXPECT_TRUE(harness::namespace_exists(topology_->upstream()));
    EXPECT_NE(topology_->sandbox(), topology_->upstream());
    EXPECT_TRUE(topology_->sandbox().starts_with(owner_prefix)) << topology_->sandbox();
    EXPECT_EQ(harness::namespace_owner(topology_->upstream()), ::getpid());
    EXPECT_FALSE(harness_test::process_dead(topology_->watchdog_pid()));
}

TEST_F(TopologyTest, AddressesAndRoutesAreAsDocumented) {
    const std::string sandbox_addr = ip(topology_->sandbox(), {"-o", "addr", "show", "dev", "eth0"});
    EXPECT_NE(sandbox_addr.find("inet 10.77.0.2/24"), std::string::npos) << sandbox_addr;
    EXPECT_NE(sandbox_addr.find("inet6 fd77::2/64"), std::string::npos) << sandbox_addr;
    const std::string upstream_addr = ip(topology_->upstream(), {"-o", "addr", "show", "dev", "veth-sbx"});
    EXPECT_NE(upstream_addr.find("inet 10.77.0.1/24"), std::string::npos) << upstream_addr;
    EXPECT_NE(upstream_addr.find("inet6 fd77::1/64"), std::string::npos) << upstream_addr;
    EXPECT_NE(ip(topology_->sandbox(), {"route", "show", "default"}).find("via 10.77.0.1"),
              std::string::npos);
    EXPECT_NE(ip(topology_->sandbox(), {"-6", "route", "show", "default"}).find("via fd77::1"),
              std::string::npos);
    for (const auto& netns : topology_->namespaces()) {
        EXPECT_NE(ip(netns, {"-o", "link", "show", "lo"}).find(",UP"), std::string::npos) << netns;
    }
}

TEST_F(TopologyTest, SandboxReachesUpstreamOverIpv4AndIpv6) {
    const auto v4 = upstream_echo("10.77.0.1", "up-v4");
    const auto v6 = upstream_echo("fd77::1", "up-v6");
    EXPECT_EQ(harness::tcp_echo(topology_->sandbox(), "10.77.0.1", 7, "ping4").reply, "ping4");
    EXPECT_EQ(harness::tcp_echo(topology_->sandbox(), "fd77::1", 7, "ping6").reply, "ping6");
    EXPECT_EQ(harness::udp_echo(topology_->sandbox(), "10.77.0.1", 7, "dgram4").reply, "dgram4");
    EXPECT_EQ(harness::udp_echo(topology_->sandbox(), "fd77::1", 7, "dgram6").reply, "dgram6");
    EXPECT_EQ(v4.tcp_connections(), 1u);
    EXPECT_EQ(v6.udp_datagrams(), 1u);
}

TEST_F(TopologyTest, ExtraUpstreamAddressesAreReachableThroughTheDefaultRoute) {
    topology_->add_upstream_address("198.51.100.10");
    topology_->add_upstream_address("2001:db8:1::10");
    const auto host4 = upstream_echo("198.51.100.10", "host4");
    const auto host6 = upstream_echo("2001:db8:1::10", "host6");
    EXPECT_EQ(harness::http_get(topology_->sandbox(), "198.51.100.10", 7).body, "served-by host4\n");
    EXPECT_EQ(harness::http_get(topology_->sandbox(), "2001:db8:1::10", 7).body, "served-by host6\n");
    EXPECT_FALSE(harness::tcp_connect(topology_->sandbox(), "198.51.100.99", 7, 300ms).connected)
        << "an address nobody added must not answer";
    EXPECT_THROW(topology_->add_upstream_address("not-an-ip"), std::invalid_argument);
}

TEST_F(TopologyTest, ResolvConfIsWhatIpNetnsExecShows) {
    topology_->write_resolv_conf(topology_->sandbox(), {"10.77.0.1", "fd77::1"});
    EXPECT_EQ(harness::run_checked({"ip", "netns", "exec", topology_->sandbox(), "cat", "/etc/resolv.conf"}),
              "nameserver 10.77.0.1\nnameserver fd77::1\n");
    std::ifstream host_file("/etc/resolv.conf");
    std::stringstream host_content;
    host_content << host_file.rdbuf();
    EXPECT_EQ(harness::run_checked({"ip", "netns", "exec", topology_->upstream(), "cat", "/etc/resolv.conf"}),
              host_content.str())
        << "a namespace without its own resolv.conf sees the host's";
}

TEST_F(TopologyTest, SpawnedProcessRunsInsideTheNamespaceAndLogsBothStreams) {
    auto process = topology_->spawn(topology_->sandbox(),
                                    {"sh", "-c", "ip -o addr show dev eth0; echo to-stderr >&2; exit 3"},
                                    logs_.file("spawn.log"));
    EXPECT_EQ(process.wait(5s), 3);
    const std::string log = process.read_log();
    EXPECT_NE(log.find("10.77.0.2/24"), std::string::npos) << log;
    EXPECT_NE(log.find("to-stderr"), std::string::npos) << log;
}

TEST_F(TopologyTest, ProcessHandleSignalsWaitsAndKills) {
    auto sleeper = topology_->spawn(topology_->upstream(), {"sleep", "30"}, logs_.file("sleep.log"));
    ASSERT_TRUE(harness_test::wait_until(
        [&] {
            const auto pids = harness::namespace_pids(topology_->upstream());
            return std::find(pids.begin(), pids.end(), sleeper.pid()) != pids.end();
        },
        2s));
    EXPECT_TRUE(sleeper.running());
    EXPECT_EQ(sleeper.wait(50ms), std::nullopt);
    sleeper.signal(SIGTERM);
    EXPECT_EQ(sleeper.wait(2s), 128 + SIGTERM);
    EXPECT_FALSE(sleeper.running());

    auto stubborn = topology_->spawn(topology_->upstream(), {"sh", "-c", "trap '' TERM; sleep 30"},
                                     logs_.file("stubborn.log"));
    EXPECT_EQ(stubborn.kill(), 128 + SIGKILL);
}

TEST_F(TopologyTest, NetnsScopeMovesOnlyTheCallingThread) {
    const auto own = harness::current_thread_namespace_inode();
    const auto sandbox_address = harness::make_socket_address("10.77.0.2", 0);
    std::promise<void> look;
    std::future<unsigned long> bystander = std::async(std::launch::async, [&] {
        look.get_future().wait();
        return harness::current_thread_namespace_inode();
    });
    {
        const harness::NetnsScope scope(topology_->sandbox());
        EXPECT_EQ(harness::current_thread_namespace_inode(), harness::namespace_inode(topology_->sandbox()));
        look.set_value();
        EXPECT_EQ(bystander.get(), own) << "a thread that was already running must stay where it was";
        EXPECT_NO_THROW(harness::make_bound_socket("", sandbox_address, SOCK_DGRAM));
    }
    EXPECT_EQ(harness::current_thread_namespace_inode(), own);
    EXPECT_THROW(harness::make_bound_socket("", sandbox_address, SOCK_DGRAM), std::runtime_error)
        << "10.77.0.2 exists only inside the sandbox";
}

TEST(TopologyConcurrency, TwoTopologiesAtOnceAreIsolated) {
    HARNESS_REQUIRE_NETNS();
    const Topology a;
    const Topology b;
    EXPECT_NE(a.sandbox(), b.sandbox());
    EXPECT_NE(a.upstream(), b.upstream());
    const harness::EchoServer server_a({a.upstream(), "10.77.0.1", 80, "A"});
    const harness::EchoServer server_b({b.upstream(), "10.77.0.1", 80, "B"});
    EXPECT_EQ(harness::http_get(a.sandbox(), "10.77.0.1", 80).body, "served-by A\n");
    EXPECT_EQ(harness::http_get(b.sandbox(), "10.77.0.1", 80).body, "served-by B\n");
    EXPECT_TRUE(harness::namespace_exists(a.sandbox()))
        << "building b must not sweep a live owner's namespaces";
}

TEST(TopologyConcurrency, TwoTopologiesBuiltFromTwoThreads) {
    HARNESS_REQUIRE_NETNS();
    std::latch start(2);
    std::string names[2];
    std::string replies[2];
    auto worker = [&](int index) {
        start.arrive_and_wait();
        try {
            const Topology topology;
            names[index] = topology.sandbox();
            const harness::EchoServer server({topology.upstream(), "fd77::1", 7, "t"});
            replies[index] =
                harness::tcp_echo(topology.sandbox(), "fd77::1", 7, "thread" + std::to_string(index)).reply;
        } catch (const std::exception& error) {
            replies[index] = error.what();
        }
    };
    std::thread first(worker, 0);
    std::thread second(worker, 1);
    first.join();
    second.join();
    EXPECT_NE(names[0], names[1]);
    EXPECT_EQ(replies[0], "thread0");
    EXPECT_EQ(replies[1], "thread1");
    EXPECT_FALSE(harness::namespace_exists(names[0]));
    EXPECT_FALSE(harness::namespace_exists(names[1]));
}

TEST(RootNamespace, UnchangedByAFullTopologyLifecycle) {
    HARNESS_REQUIRE_NETNS();
    const std::string before = harness_test::root_namespace_snapshot();
    {
        Topology topology;
        topology.add_upstream_address("198.51.100.10");
        topology.write_resolv_conf(topology.sandbox(), {"10.77.0.1"});
        const harness::EchoServer server({topology.upstream(), "198.51.100.10", 80, "x"});
        EXPECT_EQ(harness::http_get(topology.sandbox(), "198.51.100.10", 80).status, 200);
        EXPECT_EQ(harness_test::root_namespace_snapshot(), before) << "while the topology is up";
    }
    EXPECT_EQ(harness_test::root_namespace_snapshot(), before) << "after teardown";
}

}  // namespace
