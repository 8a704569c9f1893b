// While egress is down (a crash, a restart), a workload binds the ports egress serves: it must
// receive neither the sandbox's DNS queries nor the operator's policy requests (with their token).
#include <gtest/gtest.h>
#include <signal.h>

#include <cerrno>

#include "adversarial_fixture.hpp"
#include "harness/dns_query.hpp"
#include "harness/echo_server.hpp"
#include "harness/http_client.hpp"
#include "harness/net_clients.hpp"
#include "harness/scratch_cgroup.hpp"

namespace {

using namespace egress_binary_test;
using adversarial_test::OwnCgroupAdversarialTest;
using namespace std::chrono_literals;

class SquattedPortsTest : public OwnCgroupAdversarialTest {
  protected:
    // Egress in a cgroup of its own, serving, then killed with its DNS listener keeper, as a
    // container restart would: its rules stay.
    void start_then_crash(const std::string& mode) {
        start_with_backend(
            {"OPENSANDBOX_EGRESS_MODE=" + mode, std::string("OPENSANDBOX_EGRESS_RULES=") + kAllowStarAllowed},
            true);
        ASSERT_TRUE(serving_with_backend()) << process_->read_log();
        harness::HttpRequest health;
        health.url = "http://" + std::string(Topology::kSandboxIpv4) + ":18080/healthz";
        health.timeout = 3000ms;
        ASSERT_EQ(harness::http_request(topology_->upstream(), health).status, 200)
            << "egress's own API must stay reachable";
        ASSERT_TRUE(query_real_resolver(*topology_, "www.allowed.test", true).ok())
            << "egress's own proxy must answer over TCP";
        process_->kill();
        kill_rest_of_cgroup();
    }
};

TEST_P(SquattedPortsTest, AWorkloadListeningOnTheProxyPortGetsNoQueries) {
    start_then_crash("dns+nft");
    // The workload's "resolver" answers every query on the proxy's UDP and TCP port.
    harness::EchoServer squatter({topology_->sandbox(), "127.0.0.1", kProxyPort, "squatter"});
    EXPECT_EQ(query_real_resolver(*topology_, "other.test").error, ETIMEDOUT);
    EXPECT_EQ(query_real_resolver(*topology_, "other.test", true).error, ETIMEDOUT);
    EXPECT_NE(harness::udp_echo(topology_->sandbox(), "127.0.0.1", kProxyPort, "hello", 300ms).error, 0);
    EXPECT_FALSE(harness::tcp_connect(topology_->sandbox(), "127.0.0.1", kProxyPort, 300ms).connected);
    EXPECT_EQ(squatter.udp_datagrams(), 0u) << "a workload socket on the proxy's port received datagrams";
    EXPECT_EQ(squatter.tcp_connections(), 0u);
}

TEST_P(SquattedPortsTest, AWorkloadListeningOnThePolicyApiOrProbePortGetsNoRequests) {
    start_then_crash("dns");
    for (const uint16_t port : {18080, 18081}) {  // the policy API, the health probes
        harness::EchoServer squatter({topology_->sandbox(), "0.0.0.0", port, "squatter"});
        // The operator's side: the pod's address, from outside the sandbox.
        EXPECT_FALSE(
            harness::tcp_connect(topology_->upstream(), std::string(Topology::kSandboxIpv4), port, 300ms)
                .connected)
            << port;
        EXPECT_FALSE(harness::tcp_connect(topology_->sandbox(), "127.0.0.1", port, 300ms).connected) << port;
        EXPECT_EQ(squatter.tcp_connections(), 0u) << port;
    }
}

INSTANTIATE_FOR_BOTH_REDIRECT_BACKENDS(SquattedPortsTest);

}  // namespace
