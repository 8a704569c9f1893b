// The lifetime of learned addresses in the real binary: kept while used, cut when revoked.
#include <string>
#include <thread>

#include "egress_sidecar_fixture.hpp"
#include "harness/dns_zone.hpp"
#include "harness/echo_server.hpp"
#include "harness/log_events.hpp"
#include "harness/net_clients.hpp"
#include "harness/test_dns_server.hpp"

namespace egress_api_test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kAllowedWildcardRules =
    R"(OPENSANDBOX_EGRESS_RULES={"defaultAction":"deny","egress":[{"action":"allow","target":"*.allowed.test"}]})";

bool metric_at_least(const std::string& metrics, const std::string& name, double minimum) {
    const size_t at = metrics.find("\n" + name + " ");
    return at != std::string::npos && std::stod(metrics.substr(at + name.size() + 2)) >= minimum;
}

TEST_F(EgressSidecarTest, ARevokedNameLosesItsEstablishedConnectionAtOnce) {
    harness::EchoServer web({topology_->upstream(), "198.51.100.10", 80, "allowed"});
    start({"OPENSANDBOX_EGRESS_MODE=dns+nft", kAllowedWildcardRules});
    ASSERT_EQ(resolve("www.allowed.test").addresses(), std::vector<std::string>{"198.51.100.10"});
    harness::HeldTcpConnection flow(topology_->sandbox(), "198.51.100.10", 80);
    ASSERT_TRUE(flow.connected());
    ASSERT_EQ(flow.echo("before"), 0);

    ASSERT_EQ(call("PATCH", "/policy", R"([{"action":"deny","target":"www.allowed.test"}])").status, 200);
    EXPECT_NE(flow.echo("after", 1000ms), 0) << "the established connection outlived the revocation";
    EXPECT_FALSE(can_connect("198.51.100.10"));
    const std::string metrics = call("GET", "/metrics", {}, false, "").body;
    EXPECT_TRUE(metric_at_least(metrics, "egress_nft_connections_cut_total", 1)) << metrics;
}

TEST_F(EgressSidecarTest, AnAddressInUseOutlivesItsAnswersTtl) {
    harness::EchoServer web({topology_->upstream(), "198.51.100.10", 80, "allowed"});
    start({"OPENSANDBOX_EGRESS_MODE=dns+nft", kAllowedWildcardRules, "OPENSANDBOX_EGRESS_NFT_TTL_GRACE_SEC=0",
           "OPENSANDBOX_EGRESS_NFT_TTL_MIN_SEC=2", "OPENSANDBOX_EGRESS_NFT_TTL_MAX_SEC=2",
           "OPENSANDBOX_EGRESS_NFT_USE_TAIL_SEC=3"});
    ASSERT_EQ(resolve("www.allowed.test").addresses(), std::vector<std::string>{"198.51.100.10"});
    harness::HeldTcpConnection flow(topology_->sandbox(), "198.51.100.10", 80);
    ASSERT_TRUE(flow.connected());
    for (int round = 0; round < 12; ++round) {  // 6 s of traffic; the answer's element lasts 2 s
        ASSERT_EQ(flow.echo("ping"), 0);
        std::this_thread::sleep_for(500ms);
    }
    EXPECT_TRUE(can_connect("198.51.100.10")) << "a new connection to the address in use";
    const std::string metrics = call("GET", "/metrics", {}, false, "").body;
    EXPECT_TRUE(metric_at_least(metrics, "egress_nft_use_renewals_total", 1)) << metrics;
    EXPECT_TRUE(metric_at_least(metrics, "egress_nft_use_renewal_cpu_seconds_total", 0)) << metrics;
}

// The answer's element lasts a second; the name stays in use; its answer changes upstream.
TEST_F(EgressSidecarTest, AStaleNameInUseIsAskedAgainAndItsNewAddressLearned) {
    harness::EchoServer old_web({topology_->upstream(), "198.51.100.10", 80, "old"});
    harness::EchoServer new_web({topology_->upstream(), "198.51.100.20", 80, "new"});
    start({"OPENSANDBOX_EGRESS_MODE=dns+nft", kAllowedWildcardRules, "OPENSANDBOX_EGRESS_NFT_TTL_GRACE_SEC=0",
           "OPENSANDBOX_EGRESS_NFT_TTL_MIN_SEC=1", "OPENSANDBOX_EGRESS_NFT_TTL_MAX_SEC=1",
           "OPENSANDBOX_EGRESS_NFT_USE_TAIL_SEC=3", "OPENSANDBOX_EGRESS_NFT_REVALIDATE_NAME_SEC=2"});
    ASSERT_EQ(resolve("www.allowed.test").addresses(), std::vector<std::string>{"198.51.100.10"});
    harness::DnsZone moved;
    moved.add_a("www.allowed.test", "198.51.100.20");
    upstream_->set_zone(moved);
    upstream_->clear_queries();
    harness::HeldTcpConnection flow(topology_->sandbox(), "198.51.100.10", 80);
    ASSERT_TRUE(flow.connected());
    const auto started = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - started < 5s) {  // in use; the client never asks again
        ASSERT_EQ(flow.echo("ping"), 0);
        std::this_thread::sleep_for(300ms);
    }
    const size_t asked = upstream_->query_count("www.allowed.test");
    EXPECT_GE(asked, 1u) << "the stale name in use was asked again";
    EXPECT_LE(asked, 4u) << "at most once per 2 s per name (A only: the name has no IPv6 address)";
    EXPECT_TRUE(can_connect("198.51.100.20")) << "the changed answer's address was learned in the background";
    const std::string metrics = call("GET", "/metrics", {}, false, "").body;
    EXPECT_TRUE(metric_at_least(metrics, R"(egress_nft_revalidations_total{result="changed"})", 1))
        << metrics;
}

TEST_F(EgressSidecarTest, LearnedAddressesSurviveARestartWhileThePolicyStillOpensThem) {
    harness::EchoServer web({topology_->upstream(), "198.51.100.10", 80, "allowed"});
    harness::EchoServer other({topology_->upstream(), "198.51.100.20", 80, "other"});
    const std::vector<std::string> both_allowed = {
        "OPENSANDBOX_EGRESS_MODE=dns+nft",
        R"(OPENSANDBOX_EGRESS_RULES={"defaultAction":"deny","egress":[{"action":"allow","target":"*.allowed.test"},)"
        R"({"action":"allow","target":"other.test"}]})"};
    start(both_allowed);
    ASSERT_EQ(resolve("www.allowed.test").addresses(), std::vector<std::string>{"198.51.100.10"});
    ASSERT_EQ(resolve("other.test").addresses(), std::vector<std::string>{"198.51.100.20"});
    process_->kill();
    upstream_->clear_queries();

    start({"OPENSANDBOX_EGRESS_MODE=dns+nft", kAllowedWildcardRules});  // other.test no longer allowed
    EXPECT_TRUE(can_connect("198.51.100.10")) << "kept over the restart, no new lookup";
    EXPECT_FALSE(can_connect("198.51.100.20")) << "the new policy no longer opens it";
    EXPECT_EQ(upstream_->query_count("www.allowed.test"), 0u);
    EXPECT_NE(process_->read_log().find("kept 1 learned element(s)"), std::string::npos)
        << process_->read_log();
}

TEST_F(EgressSidecarTest, AnAddressGivenUpForTheLimitIsCountedAndLogged) {
    harness::EchoServer first({topology_->upstream(), "198.51.100.10", 80, "first"});
    harness::EchoServer second({topology_->upstream(), "198.51.100.20", 80, "second"});
    start(
        {"OPENSANDBOX_EGRESS_MODE=dns+nft",
         R"(OPENSANDBOX_EGRESS_RULES={"defaultAction":"deny","egress":[{"action":"allow","target":"*.allowed.test"},)"
         R"({"action":"allow","target":"other.test"}]})",
         "OPENSANDBOX_EGRESS_NFT_MAX_LEARNED_ADDRESSES=1"});
    ASSERT_EQ(resolve("www.allowed.test").addresses(), std::vector<std::string>{"198.51.100.10"});
    EXPECT_TRUE(can_connect("198.51.100.10"));
    ASSERT_EQ(resolve("other.test").addresses(), std::vector<std::string>{"198.51.100.20"});
    EXPECT_TRUE(can_connect("198.51.100.20"));
    EXPECT_FALSE(can_connect("198.51.100.10")) << "given up for the newer answer";

    const auto evicted = harness::events_in(process_->read_log(), "egress.learned_evicted");
    ASSERT_EQ(evicted.size(), 1u) << process_->read_log();
    EXPECT_EQ(evicted[0].value("target.ip", ""), "198.51.100.10");
    EXPECT_EQ(evicted[0].value("reason", ""), "total_cap");
    const std::string metrics = call("GET", "/metrics", {}, false, "").body;
    EXPECT_NE(metrics.find(R"(egress_nft_learned_evictions_total{reason="total_cap"} 1)"), std::string::npos)
        << metrics;
}

}  // namespace
}  // namespace egress_api_test
