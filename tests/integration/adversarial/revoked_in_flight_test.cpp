// An answer still on the way when its name is denied must not be learned after the revocation:
// the client gets the denial, and the address stays unreachable.
#include <gtest/gtest.h>

#include <future>

#include "adversarial_fixture.hpp"
#include "harness/dns_query.hpp"
#include "harness/echo_server.hpp"
#include "harness/http_client.hpp"
#include "harness/net_clients.hpp"

namespace {

using namespace egress_binary_test;
using namespace std::chrono_literals;
using RevokedInFlightTest = adversarial_test::AdversarialTest;

TEST_P(RevokedInFlightTest, ANameDeniedWhileItsAnswerIsOnTheWayIsNotLearned) {
    topology_->add_upstream_address("198.51.100.10");
    harness::EchoServer web({topology_->upstream(), "198.51.100.10", 80, "web"});
    start_with_backend(
        {"OPENSANDBOX_EGRESS_MODE=dns+nft", std::string("OPENSANDBOX_EGRESS_RULES=") + kAllowStarAllowed});
    ASSERT_TRUE(serving_with_backend()) << process_->read_log();
    upstream_->set_delay(1500ms);
    auto answer = std::async(std::launch::async, [this] {
        return harness::dns_query(topology_->sandbox(), std::string(Topology::kUpstreamIpv4), 53,
                                  "www.allowed.test", kDnsTypeA, false, 4000ms);
    });
    // Once the query is with the upstream, the operator denies everything.
    const auto until = std::chrono::steady_clock::now() + 1000ms;
    while (upstream_->query_count("www.allowed.test") < 2 && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(5ms);
    }
    ASSERT_GE(upstream_->query_count("www.allowed.test"), 2u) << "the query never reached the upstream";
    harness::HttpRequest deny_all;
    deny_all.method = "POST";
    deny_all.url = "http://127.0.0.1:18080/policy";
    deny_all.body = R"({"defaultAction":"deny","egress":[]})";
    deny_all.send_body = true;
    ASSERT_EQ(harness::http_request(topology_->sandbox(), deny_all).status, 200);

    const auto result = answer.get();
    ASSERT_TRUE(result.ok()) << "error " << result.error << "\n" << process_->read_log();
    EXPECT_EQ(result.rcode, harness::kRcodeNxDomain)
        << "the client got an answer for a name denied meanwhile";
    EXPECT_FALSE(harness::tcp_connect(topology_->sandbox(), "198.51.100.10", 80, 300ms).connected)
        << "the address was learned after the revocation";
    EXPECT_EQ(web.tcp_connections(), 0u);
}

INSTANTIATE_FOR_BOTH_REDIRECT_BACKENDS(RevokedInFlightTest);

}  // namespace
