// The wildcard guard of the real binary: names under an allowed wildcard that carry data (long,
// random-looking labels, a stream of new names, query types such as TXT) are answered NXDOMAIN
// without reaching the upstream, while the names a client really uses keep resolving.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "egress_sidecar_fixture.hpp"
#include "harness/dns_query.hpp"
#include "harness/dns_types.hpp"
#include "harness/log_events.hpp"
#include "harness/topology.hpp"

namespace egress_api_test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class WildcardGuardApiTest : public EgressSidecarTest {
  protected:
    harness::DnsQueryResult resolve_type(const std::string& name, uint16_t type) {
        return harness::dns_query(topology_->sandbox(), std::string(harness::Topology::kUpstreamIpv4), 53,
                                  name, type, false, 1000ms);
    }
    std::string metrics() { return call("GET", "/metrics", {}, false, "").body; }
};

std::string random_label(std::mt19937& random, size_t length) {
    static constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz234567";
    std::string text;
    for (size_t i = 0; i < length; ++i) {
        text += kAlphabet[random() % kAlphabet.size()];
    }
    return text;
}

TEST_F(WildcardGuardApiTest, DataThroughNamesUnderAWildcardNeverReachesTheUpstream) {
    start({"OPENSANDBOX_EGRESS_MODE=dns+nft"});
    ASSERT_EQ(call("POST", "/policy",
                   R"({"defaultAction":"deny","egress":[{"action":"allow","target":"*.allowed.test"}],)"
                   R"("wildcardGuard":{"newNamesPerMinute":1,"newNamesBurst":3}})")
                  .status,
              200);
    EXPECT_EQ(json::parse(current_policy())["wildcardGuard"]["newNamesBurst"], 3);
    EXPECT_EQ(resolve("www.allowed.test").addresses(), std::vector<std::string>{"198.51.100.10"});

    EXPECT_EQ(resolve_type("www.allowed.test", harness::kDnsTypeTxt).rcode, kRcodeNxDomain);
    EXPECT_EQ(upstream_->query_count("www.allowed.test"), 1u) << "only the A query went out";
    std::mt19937 random(11);
    for (int chunk = 0; chunk < 10; ++chunk) {
        const std::string name = random_label(random, 50) + ".allowed.test";
        EXPECT_EQ(resolve(name).rcode, kRcodeNxDomain) << name;
        EXPECT_EQ(upstream_->query_count(name), 0u) << name;
    }
    // Low-entropy new names: the budget (3, one taken by www) lets two through, then refuses.
    for (int i = 1; i <= 6; ++i) {
        const std::string name = "n" + std::to_string(i) + ".allowed.test";
        resolve(name);
        EXPECT_EQ(upstream_->query_count(name), i <= 2 ? 1u : 0u) << name;
    }
    EXPECT_EQ(resolve("www.allowed.test").addresses(), std::vector<std::string>{"198.51.100.10"})
        << "a name seen lately costs nothing";

    const std::string text = metrics();
    for (const char* line : {R"(egress_dns_wildcard_guard_total{limit="query_type"} 1)",
                             R"(egress_dns_wildcard_guard_total{limit="new_names"} 4)"}) {
        EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
    }
    EXPECT_NE(text.find(R"(egress_dns_wildcard_guard_total{limit="entropy"} )"), std::string::npos) << text;
    const auto denied = harness::events_for(process_->read_log(), "egress.denied", "n6.allowed.test");
    ASSERT_EQ(denied.size(), 1u) << process_->read_log();
    EXPECT_EQ(denied[0]["guard"], "new_names");
    const json stats = json::parse(call("GET", "/policy/stats").body);
    EXPECT_EQ(stats["rules"][0]["denied"], 15) << "the guard's refusals count against the wildcard";
    EXPECT_EQ(stats["topDenied"], json::array()) << "and are never offered as names to allow";
}

TEST_F(WildcardGuardApiTest, TheGuardIsPartOfThePolicyAndBadLimitsAreRefused) {
    start({"OPENSANDBOX_EGRESS_MODE=dns+nft"});
    ASSERT_EQ(call("POST", "/policy",
                   R"({"defaultAction":"deny","egress":[],"wildcardGuard":{"queryTypes":["A","TXT"]}})")
                  .status,
              200);
    ASSERT_EQ(call("PATCH", "/policy", R"([{"action":"allow","target":"*.allowed.test"}])").status, 200);
    EXPECT_EQ(json::parse(current_policy())["wildcardGuard"]["queryTypes"], json::parse(R"(["A","TXT"])"))
        << "a PATCH keeps the guard";
    EXPECT_EQ(resolve_type("www.allowed.test", harness::kDnsTypeAaaa).rcode, kRcodeNxDomain);
    EXPECT_EQ(upstream_->query_count("www.allowed.test"), 0u);
    const auto bad = call("POST", "/policy",
                          R"({"defaultAction":"deny","egress":[],"wildcardGuard":{"maxLabelLength":64}})");
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(bad.body, "invalid policy: wildcardGuard.maxLabelLength must be an integer from 0 to 63\n");
    EXPECT_EQ(json::parse(current_policy())["wildcardGuard"]["queryTypes"], json::parse(R"(["A","TXT"])"))
        << "a refused policy changes nothing";
}

}  // namespace
}  // namespace egress_api_test
