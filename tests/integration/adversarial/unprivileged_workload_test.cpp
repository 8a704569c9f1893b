// The same ways out, tried by an unprivileged workload: uid 65534 with no capabilities at all, as a
// process in a container that drops them. (The other adversarial tests act as root, which holds
// CAP_NET_RAW and everything else a container gets by default.) The workload's side is
// workload_probe.py, run under setpriv in the sandbox namespace.
#include <gtest/gtest.h>

#include <thread>

#include "adversarial_fixture.hpp"
#include "harness/command.hpp"
#include "harness/echo_server.hpp"
#include "harness/http_client.hpp"
#include "harness/net_clients.hpp"
#include "harness/scratch_cgroup.hpp"

namespace {

using namespace egress_binary_test;
using namespace std::chrono_literals;

const std::string kDenyButAllowed = std::string("OPENSANDBOX_EGRESS_RULES=") + kAllowStarAllowed;
const std::string kEgressMarkText = "0x1";  // OPENSANDBOX_EGRESS_SOCKET_MARK's default

class UnprivilegedWorkloadTest : public adversarial_test::OwnCgroupAdversarialTest {
  protected:
    // argv that runs workload_probe.py with `arguments` as uid/gid 65534 without capabilities.
    std::vector<std::string> as_workload(const std::vector<std::string>& arguments) const {
        std::vector<std::string> argv{"setpriv",          "--reuid=65534",   "--regid=65534",
                                      "--clear-groups",   "--inh-caps=-all", "--bounding-set=-all",
                                      "/usr/bin/python3", WORKLOAD_PROBE};
        argv.insert(argv.end(), arguments.begin(), arguments.end());
        return argv;
    }

    // One probe run to completion in the sandbox; its one line of outcome.
    std::string probe(const std::vector<std::string>& arguments) const {
        std::vector<std::string> argv{"ip", "netns", "exec", topology_->sandbox()};
        const auto workload = as_workload(arguments);
        argv.insert(argv.end(), workload.begin(), workload.end());
        const auto result = harness::run_command(argv);
        std::string line = result.output;
        while (!line.empty() && line.back() == '\n') {
            line.pop_back();
        }
        return line;
    }

    std::string resolver() const { return std::string(Topology::kUpstreamIpv4); }
};

TEST_P(UnprivilegedWorkloadTest, CannotSetTheMarkNorGetPastTheRedirectOrTheFilter) {
    topology_->add_upstream_address("198.51.100.10");
    topology_->add_upstream_address("198.51.100.20");
    harness::EchoServer allowed_web({topology_->upstream(), "198.51.100.10", 80, "allowed"});
    harness::EchoServer other_web({topology_->upstream(), "198.51.100.20", 80, "other"});
    start_with_backend({"OPENSANDBOX_EGRESS_MODE=dns+nft", kDenyButAllowed}, true);
    ASSERT_TRUE(serving_with_backend()) << process_->read_log();

    EXPECT_EQ(probe({"mark"}), "unmarked(EPERM)") << "an unprivileged process set SO_MARK";
    for (const std::string transport : {"udp", "tcp"}) {
        EXPECT_EQ(probe({"dns", resolver(), "53", "other.test", transport, kEgressMarkText}),
                  "unmarked(EPERM) rcode 3")
            << transport;
    }
    EXPECT_EQ(upstream_->query_count("other.test"), 0u) << "a denied name reached the upstream";
    EXPECT_EQ(probe({"connect", "198.51.100.20", "80", "0"}), "error timeout");
    EXPECT_EQ(probe({"connect", resolver(), "853", "0"}), "error timeout") << "DNS over TLS";
    EXPECT_EQ(other_web.tcp_connections(), 0u);

    // The probes can succeed: an allowed lookup opens its address.
    EXPECT_EQ(probe({"dns", resolver(), "53", "www.allowed.test", "udp", "0"}), "rcode 0");
    EXPECT_EQ(probe({"connect", "198.51.100.10", "80", "0"}), "connected");
}

TEST_P(UnprivilegedWorkloadTest, SquattingEgressPortsWhileItIsDownReceivesNothing) {
    start_with_backend({"OPENSANDBOX_EGRESS_MODE=dns+nft", kDenyButAllowed}, true);
    ASSERT_TRUE(serving_with_backend()) << process_->read_log();
    process_->kill();  // a crash of the whole container: the rules stay
    kill_rest_of_cgroup();

    for (const uint16_t port : {uint16_t{15353}, uint16_t{18080}, uint16_t{18081}}) {
        const auto log = work_dir_ / ("squatter-" + std::to_string(port) + ".log");
        auto squatter =
            topology_->spawn(topology_->sandbox(), as_workload({"squat", std::to_string(port), "2"}), log);
        const auto until = std::chrono::steady_clock::now() + 3s;
        while (squatter.read_log().find("listening") == std::string::npos &&
               std::chrono::steady_clock::now() < until) {
            std::this_thread::sleep_for(20ms);
        }
        ASSERT_NE(squatter.read_log().find("listening"), std::string::npos)
            << "an unprivileged process can bind port " << port << ": " << squatter.read_log();
        if (port == 15353) {
            EXPECT_NE(query_real_resolver(*topology_, "other.test").error, 0);
            EXPECT_NE(query_real_resolver(*topology_, "other.test", true).error, 0);
        }
        EXPECT_FALSE(
            harness::tcp_connect(topology_->upstream(), std::string(Topology::kSandboxIpv4), port, 300ms)
                .connected)
            << port;
        EXPECT_FALSE(harness::tcp_connect(topology_->sandbox(), "127.0.0.1", port, 300ms).connected) << port;
        ASSERT_TRUE(squatter.wait(5s).has_value());
        EXPECT_NE(squatter.read_log().find("tcp 0 udp 0"), std::string::npos)
            << "port " << port << ": " << squatter.read_log();
    }
}

TEST_P(UnprivilegedWorkloadTest, SlowClientsStarveNeitherThePolicyApiNorTheProbes) {
    const std::string token = "operator-secret";
    start_with_backend(
        {"OPENSANDBOX_EGRESS_MODE=dns+nft", kDenyButAllowed, "OPENSANDBOX_EGRESS_TOKEN=" + token}, true);
    ASSERT_TRUE(serving_with_backend()) << process_->read_log();
    // More connections than the cap (128), none of which ever finishes its request.
    auto tricklers = topology_->spawn(topology_->sandbox(), as_workload({"trickle", "18080", "200", "4"}),
                                      work_dir_ / "tricklers.log");
    const auto until = std::chrono::steady_clock::now() + 3s;
    while (tricklers.read_log().find("trickling") == std::string::npos &&
           std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(20ms);
    }
    ASSERT_NE(tricklers.read_log().find("trickling"), std::string::npos) << tricklers.read_log();
    const auto from_operator = [&](uint16_t port, const std::string& method, const std::string& path,
                                   const std::string& body) {
        harness::HttpRequest request;
        request.method = method;
        request.url = "http://" + std::string(Topology::kSandboxIpv4) + ":" + std::to_string(port) + path;
        request.body = body;
        request.send_body = !body.empty();
        request.headers = {{"OPENSANDBOX-EGRESS-AUTH", token}};
        request.timeout = 2000ms;
        return harness::http_request(topology_->upstream(), request);
    };
    for (int round = 0; round < 3; ++round) {
        const std::string target = "round" + std::to_string(round) + ".test";
        const auto patch =
            from_operator(18080, "PATCH", "/policy", R"([{"action":"allow","target":")" + target + R"("}])");
        EXPECT_EQ(patch.status, 200) << "round " << round << ": " << patch.error << patch.body;
        EXPECT_EQ(from_operator(18081, "GET", "/readyz", "").status, 200) << "round " << round;
        EXPECT_EQ(from_operator(18081, "GET", "/healthz", "").status, 200) << "round " << round;
        std::this_thread::sleep_for(500ms);
    }
    ASSERT_TRUE(tricklers.wait(10s).has_value());
    EXPECT_NE(tricklers.read_log().find("closed "), std::string::npos) << tricklers.read_log();
}

INSTANTIATE_FOR_BOTH_REDIRECT_BACKENDS(UnprivilegedWorkloadTest);

}  // namespace
