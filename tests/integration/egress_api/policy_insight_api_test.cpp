// Audit mode, explain, stats, suggestions and the per-rule counters, through the real binary.
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "egress_sidecar_fixture.hpp"
#include "harness/dns_types.hpp"
#include "harness/echo_server.hpp"
#include "harness/log_events.hpp"

namespace egress_api_test {
namespace {

using harness::kRcodeNxDomain;
using nlohmann::json;

class PolicyInsightTest : public EgressSidecarTest {
  protected:
    void SetUp() override {
        EgressSidecarTest::SetUp();
        if (IsSkipped()) {
            return;
        }
        for (const char* address : {"198.51.100.10", "198.51.100.20", "198.51.100.30"}) {
            for (const uint16_t port : {80, 443}) {
                servers_.push_back(std::make_unique<harness::EchoServer>(
                    harness::EchoServerConfig{topology_->upstream(), address, port, "web"}));
            }
        }
    }

    void start_with_overlay(const std::string& deny_always, const std::string& allow_always) {
        std::ofstream(work_dir_ / "rules" / "deny.always") << deny_always;
        std::ofstream(work_dir_ / "rules" / "allow.always") << allow_always;
        start({"OPENSANDBOX_EGRESS_MODE=dns+nft"});
    }

    json get_json(const std::string& path) {
        const auto response = call("GET", path);
        EXPECT_EQ(response.status, 200) << path << ": " << response.body;
        return json::parse(response.body, nullptr, false);
    }

    std::vector<std::unique_ptr<harness::EchoServer>> servers_;
};

constexpr const char* kPolicy =
    R"({"defaultAction":"deny","egress":[{"action":"allow","target":"www.allowed.test"},)"
    R"({"action":"allow","target":"*.other.test","ports":[443]},)"
    R"({"action":"allow","target":"198.51.100.20"},)"
    R"({"action":"deny","target":"198.51.100.0/24"}]})";

TEST_F(PolicyInsightTest, ExplainNamesTheDecidingRuleForNamesAndAddresses) {
    start_with_overlay("www.blocked.test\n", "hooks.denied.test\n");
    ASSERT_EQ(call("POST", "/policy", kPolicy).status, 200);

    const json exact = get_json("/policy/explain?name=WWW.Allowed.test.");
    EXPECT_EQ(exact["name"], "www.allowed.test");
    EXPECT_EQ(exact["decision"], "allow");
    EXPECT_EQ(exact["rule"]["source"], "policy");
    EXPECT_EQ(exact["rule"]["index"], 0);
    EXPECT_EQ(exact["rule"]["target"], "www.allowed.test");
    EXPECT_EQ(exact["ports"], "every");

    const json wildcard = get_json("/policy/explain?name=api.other.test");
    EXPECT_EQ(wildcard["decision"], "allow");
    EXPECT_EQ(wildcard["rule"]["index"], 1);
    EXPECT_EQ(wildcard["ports"], json::parse(R"([{"protocol":"tcp","port":443}])"));

    const json always_deny = get_json("/policy/explain?name=www.blocked.test");
    EXPECT_EQ(always_deny["decision"], "deny");
    EXPECT_EQ(always_deny["rule"]["source"], "always-deny");
    EXPECT_EQ(always_deny["rule"]["index"], 0);
    EXPECT_EQ(get_json("/policy/explain?name=hooks.denied.test")["rule"]["source"], "always-allow");

    const json by_default = get_json("/policy/explain?name=unknown.test");
    EXPECT_EQ(by_default["decision"], "deny");
    EXPECT_EQ(by_default["rule"], json::parse(R"({"source":"default","id":"default","action":"deny"})"));

    // Addresses: deny wins at this layer, whatever the order; a learned address names its names.
    const json denied_cidr = get_json("/policy/explain?ip=198.51.100.20&port=80");
    EXPECT_EQ(denied_cidr["decision"], "deny");
    EXPECT_EQ(denied_cidr["layer"], "rule");
    EXPECT_EQ(denied_cidr["rule"]["target"], "198.51.100.0/24");
    EXPECT_EQ(get_json("/policy/explain?ip=192.0.2.1&port=853")["layer"], "fixed");
    EXPECT_EQ(get_json("/policy/explain?ip=::ffff:192.0.2.9")["ip"], "192.0.2.9");
    EXPECT_EQ(get_json("/policy/explain?ip=192.0.2.9")["layer"], "default");

    ASSERT_EQ(call("POST", "/policy",
                   R"({"defaultAction":"deny","egress":[{"action":"allow","target":"www.allowed.test"}]})")
                  .status,
              200);
    ASSERT_EQ(resolve("www.allowed.test").addresses(), std::vector<std::string>{"198.51.100.10"});
    const json learned = get_json("/policy/explain?ip=198.51.100.10&port=80");
    EXPECT_EQ(learned["decision"], "allow");
    EXPECT_EQ(learned["layer"], "learned");
    EXPECT_EQ(learned["learned"]["names"], json::array({"www.allowed.test"}));
    const json by_name = get_json("/policy/explain?name=www.allowed.test");
    ASSERT_EQ(by_name["learned"].size(), 1u);
    EXPECT_EQ(by_name["learned"][0]["address"], "198.51.100.10");
    EXPECT_GT(by_name["learned"][0]["expiresInSeconds"].get<int>(), 0);
}

TEST_F(PolicyInsightTest, BadExplainQueriesAre400) {
    start({"OPENSANDBOX_EGRESS_MODE=dns+nft"});
    EXPECT_EQ(call("GET", "/policy/explain").status, 400);
    EXPECT_EQ(call("GET", "/policy/explain?ip=300.1.1.1").body,
              "invalid ip \"300.1.1.1\": not an IPv4 or IPv6 address\n");
    EXPECT_EQ(call("GET", "/policy/explain?ip=1.2.3.4&port=0").status, 400);
    EXPECT_EQ(call("GET", "/policy/explain?ip=1.2.3.4&port=80&proto=sctp").status, 400);
    EXPECT_EQ(call("GET", "/policy/stats?top=x").status, 400);
    EXPECT_EQ(call("GET", "/policy/explain?name=a", {}, false, "wrong").status, 401);
    EXPECT_EQ(call("POST", "/policy/stats", "{}").status, 405);
    EXPECT_EQ(call("GET", "/policy/nothing").status, 404);
}

TEST_F(PolicyInsightTest, AuditModeLetsTrafficThroughAndCountsItButNotPastDenyAlways) {
    start_with_overlay("www.blocked.test\n", "");
    ASSERT_EQ(
        call(
            "POST", "/policy",
            R"({"defaultAction":"deny","mode":"audit","egress":[{"action":"allow","target":"www.allowed.test"}]})")
            .status,
        200);
    EXPECT_EQ(json::parse(current_policy())["mode"], "audit");
    EXPECT_EQ(resolve("other.test").addresses(), std::vector<std::string>{"198.51.100.20"});
    EXPECT_TRUE(can_connect("198.51.100.20", 80)) << "would-deny: let through";
    EXPECT_TRUE(can_connect("198.51.100.30", 443))
        << "an address never resolved: the chain's end lets it through";
    EXPECT_EQ(resolve("www.blocked.test").rcode, kRcodeNxDomain) << "deny.always is never audited";
    EXPECT_EQ(get_json("/policy/explain?name=other.test")["decision"], "would-deny");
    const auto would_deny = harness::events_for(process_->read_log(), "egress.would_deny", "other.test");
    ASSERT_EQ(would_deny.size(), 1u) << process_->read_log();
    EXPECT_EQ(would_deny[0]["level"], "info");

    const json stats = get_json("/policy/stats");
    EXPECT_EQ(stats["default"]["wouldDeny"], 1);
    EXPECT_EQ(stats["rules"][0]["source"], "always-deny");
    EXPECT_EQ(stats["rules"][0]["denied"], 1);
    std::map<std::string, std::string> top_denied;
    for (const auto& entry : stats["topDenied"]) {
        top_denied[entry["name"]] = entry["decision"];
    }
    EXPECT_EQ(top_denied, (std::map<std::string, std::string>{{"other.test", "would-deny"},
                                                              {"www.blocked.test", "deny"}}));
    const std::string metrics = call("GET", "/metrics", {}, false, "").body;
    for (
        const char* line :
        {R"(egress_policy_rule_decisions_total{source="default",rule="",rule_id="default",decision="would_deny"} 1)",
         R"(egress_dns_queries_total{outcome="would_deny"} 1)"}) {
        EXPECT_NE(metrics.find(line), std::string::npos) << line << "\n" << metrics;
    }

    // Back to enforce: the same name is denied, the rules unchanged.
    ASSERT_EQ(call("PUT", "/policy/mode", R"({"mode":"enforce"})").status, 200);
    EXPECT_EQ(resolve("other.test").rcode, kRcodeNxDomain);
    EXPECT_FALSE(can_connect("198.51.100.30", 443));
    EXPECT_EQ(json::parse(current_policy()).count("mode"), 0u);
    EXPECT_EQ(call("PUT", "/policy/mode", R"({"mode":"loud"})").body,
              "invalid mode: unsupported mode \"loud\" (use \"enforce\" or \"audit\")\n");
}

TEST_F(PolicyInsightTest, AnAuditRuleLetsItsTargetThroughAsWouldDeny) {
    start({"OPENSANDBOX_EGRESS_MODE=dns+nft"});
    ASSERT_EQ(call("POST", "/policy",
                   R"({"defaultAction":"deny","egress":[{"action":"audit","target":"*.allowed.test"},)"
                   R"({"action":"audit","target":"198.51.100.30"}]})")
                  .status,
              200);
    EXPECT_EQ(resolve("www.allowed.test").addresses(), std::vector<std::string>{"198.51.100.10"});
    EXPECT_TRUE(can_connect("198.51.100.10", 80));
    EXPECT_TRUE(can_connect("198.51.100.30", 80));
    EXPECT_FALSE(can_connect("198.51.100.20", 80));
    EXPECT_EQ(resolve("other.test").rcode, kRcodeNxDomain);
    const json stats = get_json("/policy/stats");
    EXPECT_EQ(stats["rules"][0]["wouldDeny"], 1);
    EXPECT_EQ(stats["rules"][0]["action"], "audit");
    EXPECT_EQ(get_json("/policy/explain?ip=198.51.100.30&port=80")["decision"], "would-deny");
}

// The address layer's would-deny connections reach the stats, the log and the suggestions through
// the chain's NFLOG records; records arrive on their own thread, so the test waits for them.
TEST_F(PolicyInsightTest, AuditModeRecordsTheDestinationsItLetsThrough) {
    start({"OPENSANDBOX_EGRESS_MODE=dns+nft"});
    ASSERT_EQ(
        call(
            "POST", "/policy",
            R"({"defaultAction":"deny","mode":"audit","egress":[{"action":"audit","target":"198.51.100.30"}]})")
            .status,
        200);
    EXPECT_NE(
        nft({"list", "chain", "inet", "opensandbox", "egress"}).find("log prefix \"audit-default\" group"),
        std::string::npos);
    EXPECT_TRUE(can_connect("198.51.100.20", 80)) << "never resolved: let through by the chain's end";
    EXPECT_TRUE(can_connect("198.51.100.30", 443)) << "an audit rule's target";
    json destinations;
    for (int attempt = 0; attempt < 50 && destinations.size() < 2; ++attempt) {
        std::this_thread::sleep_for(100ms);
        destinations = get_json("/policy/stats")["topWouldDenyDestinations"];
    }
    std::map<std::string, json> by_ip;
    for (const auto& entry : destinations) {
        by_ip[entry["ip"]] = entry;
    }
    ASSERT_EQ(by_ip.size(), 2u) << destinations;
    EXPECT_EQ(by_ip["198.51.100.20"]["protocol"], "tcp");
    EXPECT_EQ(by_ip["198.51.100.20"]["port"], 80);
    EXPECT_EQ(by_ip["198.51.100.20"]["count"], 1) << "one record per connection, not per packet";
    EXPECT_EQ(by_ip["198.51.100.20"]["decision"], "would-deny");
    EXPECT_EQ(by_ip["198.51.100.30"]["port"], 443);
    std::map<std::string, std::string> logged;  // ip -> which rule let it through
    for (const auto& event : harness::events_in(process_->read_log(), "egress.would_deny")) {
        if (event.contains("target.ip")) {
            logged[event["target.ip"]] = event["rule"];
            EXPECT_EQ(event["target.protocol"], "tcp") << event;
        }
    }
    EXPECT_EQ(logged,
              (std::map<std::string, std::string>{{"198.51.100.20", "default"}, {"198.51.100.30", "audit"}}))
        << process_->read_log();

    // Enforced, both are dropped; the suggestions, applied, let exactly what was seen through.
    ASSERT_EQ(call("PUT", "/policy/mode", R"({"mode":"enforce"})").status, 200);
    EXPECT_FALSE(can_connect("198.51.100.20", 80));
    const json suggestions = get_json("/policy/suggestions");
    EXPECT_EQ(suggestions["patch"],
              json::parse(R"([{"action":"allow","target":"198.51.100.20","ports":[80],"protocol":"tcp"},)"
                          R"({"action":"allow","target":"198.51.100.30","ports":[443],"protocol":"tcp"}])"))
        << suggestions;
    ASSERT_EQ(call("PATCH", "/policy", suggestions["patch"].dump()).status, 200);
    EXPECT_TRUE(can_connect("198.51.100.20", 80));
    EXPECT_TRUE(can_connect("198.51.100.30", 443));
    EXPECT_FALSE(can_connect("198.51.100.20", 443)) << "only the port that was seen";
    EXPECT_EQ(get_json("/policy/suggestions")["patch"], json::array());
}

TEST_F(PolicyInsightTest, SuggestionsAppliedDenyNothingThatWasDenied) {
    start({"OPENSANDBOX_EGRESS_MODE=dns+nft"});
    ASSERT_EQ(call("POST", "/policy", R"({"defaultAction":"deny","egress":[]})").status, 200);
    const std::vector<std::string> denied = {"a.svc.example.test", "b.svc.example.test", "c.svc.example.test",
                                             "www.allowed.test",   "other.test",         "x.other.test"};
    for (const auto& name : denied) {
        ASSERT_EQ(resolve(name).rcode, kRcodeNxDomain) << name;
    }
    const json suggestions = get_json("/policy/suggestions");
    EXPECT_EQ(
        suggestions["patch"],
        json::parse(
            R"([{"action":"allow","target":"*.svc.example.test"},{"action":"allow","target":"other.test"},)"
            R"({"action":"allow","target":"www.allowed.test"},{"action":"allow","target":"x.other.test"}])"));
    ASSERT_EQ(call("PATCH", "/policy", suggestions["patch"].dump()).status, 200);
    for (const auto& name : denied) {
        EXPECT_EQ(get_json("/policy/explain?name=" + name)["decision"], "allow") << name;
    }
    EXPECT_EQ(resolve("www.allowed.test").addresses(), std::vector<std::string>{"198.51.100.10"});
    EXPECT_EQ(get_json("/policy/suggestions")["patch"], json::array());
}

}  // namespace
}  // namespace egress_api_test
