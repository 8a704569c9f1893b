// The policy API of the real binary, driven with curl from inside the sandbox namespace.
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "egress_sidecar_fixture.hpp"
#include "harness/dns_types.hpp"
#include "harness/echo_server.hpp"

namespace egress_api_test {
namespace {

using namespace std::chrono_literals;
using harness::kRcodeNxDomain;

constexpr const char* kAllowStarAllowed =
    R"({"defaultAction":"deny","egress":[{"action":"allow","target":"*.allowed.test"}]})";
constexpr const char* kPlainText = "text/plain; charset=utf-8";

std::string rules_env(const char* policy) {
    return std::string("OPENSANDBOX_EGRESS_RULES=") + policy;
}

TEST_F(EgressSidecarTest, AnswersWithUpstreamsBodiesAndStatusCodes) {
    start({});
    auto get = call("GET", "/policy");
    EXPECT_EQ(get.status, 200);
    EXPECT_EQ(get.header("Content-Type"), "application/json");
    EXPECT_EQ(
        get.body,
        R"({"status":"ok","mode":"deny_all","enforcementMode":"dns","policy":{"egress":null,"defaultAction":"deny"}})"
        "\n");

    auto replaced = call("POST", "/policy", kAllowStarAllowed);
    EXPECT_EQ(replaced.status, 200);
    EXPECT_EQ(replaced.body, "{\"status\":\"ok\",\"mode\":\"enforcing\",\"enforcementMode\":\"dns\"}\n");
    EXPECT_EQ(call("PUT", "/policy", kAllowStarAllowed).status, 200);

    auto invalid = call("POST", "/policy", R"({"defaultAction":"maybe"})");
    EXPECT_EQ(invalid.status, 400);
    EXPECT_EQ(invalid.header("Content-Type"), kPlainText);
    EXPECT_TRUE(invalid.body.starts_with("invalid policy: ")) << invalid.body;

    EXPECT_EQ(call("PATCH", "/policy", "").body, "empty body\n");
    EXPECT_EQ(call("PATCH", "/policy", "[]").body, "invalid patch rules: empty array\n");
    EXPECT_EQ(call("PATCH", "/policy", "null").status, 400);
    EXPECT_TRUE(call("PATCH", "/policy", R"({"egress":[]})").body.starts_with("invalid patch rules: "));
    EXPECT_EQ(call("PATCH", "/policy", R"([{"action":"block","target":"x.test"}])").status, 400);

    EXPECT_EQ(call("DELETE", "/policy", "").body, "empty body\n");
    EXPECT_EQ(call("DELETE", "/policy", "[]").body, "invalid delete targets: empty array\n");
    EXPECT_EQ(call("DELETE", "/policy", R"(["nothing.test"])").body,
              "{\"status\":\"ok\",\"mode\":\"enforcing\",\"enforcementMode\":\"dns\","
              "\"reason\":\"no matching targets found\"}\n");

    auto reset = call("POST", "/policy", "");
    EXPECT_EQ(reset.status, 200);
    EXPECT_EQ(reset.body,
              "{\"status\":\"ok\",\"mode\":\"deny_all\",\"reason\":\"policy reset to default deny-all\"}\n");

    for (const char* method : {"HEAD", "OPTIONS", "TRACE"}) {
        auto refused = call(method, "/policy", {}, false);
        EXPECT_EQ(refused.status, 405) << method << " " << refused.error;
        EXPECT_EQ(refused.header("Allow"), "GET, POST, PUT, PATCH, DELETE") << method;
    }
    EXPECT_EQ(call("OPTIONS", "/policy", {}, false).body, "method not allowed\n");
    EXPECT_EQ(call("GET", "/policy/").status, 404);
    EXPECT_EQ(call("GET", "/nothing").body, "404 page not found\n");
    auto health = call("POST", "/healthz", "", true, "");
    EXPECT_EQ(health.status, 200);
    EXPECT_EQ(health.body, "ok");
}

TEST_F(EgressSidecarTest, EveryPolicyMethodNeedsTheToken) {
    start({rules_env(kAllowStarAllowed)});
    const std::string before = current_policy();
    for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}) {
        for (const std::string token : {"", "wrong-token!", "s3cret-token-", "S3CRET-TOKEN"}) {
            auto refused = call(method, "/policy", R"({"defaultAction":"allow"})", true, token);
            EXPECT_EQ(refused.status, 401) << method << " with token '" << token << "'";
            if (std::string(method) != "HEAD") {
                EXPECT_EQ(refused.body, "unauthorized\n") << method;
            }
        }
    }
    EXPECT_EQ(current_policy(), before);
    EXPECT_EQ(resolve("other.test").rcode, kRcodeNxDomain);
}

TEST_F(EgressSidecarTest, OversizedBodiesAndTooManyRulesGet413AndChangeNothing) {
    start({rules_env(kAllowStarAllowed), "OPENSANDBOX_EGRESS_MAX_RULES=3"});
    const std::string before = current_policy();
    std::string huge = R"({"defaultAction":"allow","egress":[)";
    while (huge.size() <= (1u << 20)) {
        huge += R"({"action":"allow","target":"padding.example.test"},)";
    }
    huge += R"({"action":"allow","target":"last.test"}]})";
    auto too_large = call("POST", "/policy", huge);
    EXPECT_EQ(too_large.status, 413);
    EXPECT_EQ(too_large.body, "request body exceeds 1048576 bytes\n");

    auto too_many = call("PATCH", "/policy",
                         R"([{"action":"allow","target":"a.test"},{"action":"allow","target":"b.test"},)"
                         R"({"action":"allow","target":"c.test"}])");
    EXPECT_EQ(too_many.status, 413);
    EXPECT_EQ(too_many.body, "egress rule total count 4 exceeds limit 3\n");
    EXPECT_EQ(current_policy(), before);
}

TEST_F(EgressSidecarTest, ConcurrentPatchesFromFiftyClientsAreAllKept) {
    start({"OPENSANDBOX_EGRESS_MODE=dns+nft", rules_env(kAllowStarAllowed)});
    constexpr int kClients = 50;
    std::atomic<int> succeeded{0};
    std::vector<std::thread> clients;
    for (int client = 0; client < kClients; ++client) {
        clients.emplace_back([&, client] {
            const std::string rule =
                R"([{"action":"allow","target":"client)" + std::to_string(client) + R"(.test"}])";
            if (call("PATCH", "/policy", rule).status == 200) {
                ++succeeded;
            }
        });
    }
    for (auto& thread : clients) {
        thread.join();
    }
    EXPECT_EQ(succeeded.load(), kClients);
    const auto rules = nlohmann::json::parse(current_policy()).at("egress");
    EXPECT_EQ(rules.size(), static_cast<size_t>(kClients + 1));
    for (int client = 0; client < kClients; ++client) {
        const std::string target = "client" + std::to_string(client) + ".test";
        EXPECT_NE(current_policy().find(target), std::string::npos) << target << " was lost";
    }
}

TEST_F(EgressSidecarTest, AFailingNftApplyLeavesBothLayersAndTheFileUnchanged) {
    const auto policy_file = work_dir_ / "policy.json";
    start({"OPENSANDBOX_EGRESS_MODE=dns+nft", rules_env(kAllowStarAllowed),
           "OPENSANDBOX_EGRESS_POLICY_FILE=" + policy_file.string()});
    ASSERT_EQ(call("PATCH", "/policy", R"([{"action":"deny","target":"www.blocked.test"}])").status, 200);
    std::ifstream saved(policy_file);
    const std::string file_before((std::istreambuf_iterator<char>(saved)), std::istreambuf_iterator<char>());
    const std::string before = current_policy();

    nft({"delete", "table", "inet", "opensandbox"});  // the next incremental apply must fail
    auto failed = call("PATCH", "/policy", R"([{"action":"allow","target":"other.test"}])");
    EXPECT_EQ(failed.status, 500);
    EXPECT_TRUE(failed.body.starts_with("failed to apply nftables policy: ")) << failed.body;

    EXPECT_EQ(current_policy(), before);
    // Asked directly: with the table gone nothing redirects the resolver address any more.
    EXPECT_EQ(harness::dns_query(topology_->sandbox(), "127.0.0.1", 15353, "other.test", harness::kDnsTypeA,
                                 false, 1000ms)
                  .rcode,
              kRcodeNxDomain)
        << "the DNS layer took the refused change";
    std::ifstream after_file(policy_file);
    EXPECT_EQ(std::string((std::istreambuf_iterator<char>(after_file)), std::istreambuf_iterator<char>()),
              file_before);
}

TEST_F(EgressSidecarTest, PatchOverridesWildcardsInBothDirectionsAndDeleteRemovesRules) {
    harness::EchoServer allowed_web({topology_->upstream(), "198.51.100.10", 80, "allowed"});
    harness::EchoServer blocked_web({topology_->upstream(), "198.51.100.30", 80, "blocked"});
    start({"OPENSANDBOX_EGRESS_MODE=dns+nft"});
    // Allow by default; a denied wildcard and a denied CIDR (upstream's smoke-nft).
    ASSERT_EQ(call("POST", "/policy",
                   R"({"defaultAction":"allow","egress":[{"action":"deny","target":"*.blocked.test"},)"
                   R"({"action":"deny","target":"198.51.100.30/32"}]})")
                  .status,
              200);
    EXPECT_EQ(resolve("www.blocked.test").rcode, kRcodeNxDomain);
    EXPECT_FALSE(can_connect("198.51.100.30"));
    EXPECT_EQ(resolve("www.allowed.test").addresses(), std::vector<std::string>{"198.51.100.10"});
    EXPECT_TRUE(can_connect("198.51.100.10"));

    // A specific allow overrides the denied wildcard at the DNS layer.
    ASSERT_EQ(call("PATCH", "/policy", R"([{"action":"allow","target":"www.blocked.test"}])").status, 200);
    EXPECT_EQ(resolve("www.blocked.test").addresses(), std::vector<std::string>{"198.51.100.30"});
    EXPECT_FALSE(can_connect("198.51.100.30")) << "the denied CIDR still wins at the IP layer";
    ASSERT_EQ(call("DELETE", "/policy", R"(["198.51.100.30/32"])").status, 200);
    EXPECT_TRUE(can_connect("198.51.100.30"));

    // Deny by default with an allowed wildcard; a specific deny overrides it.
    ASSERT_EQ(call("POST", "/policy", kAllowStarAllowed).status, 200);
    EXPECT_EQ(resolve("www.allowed.test").addresses(), std::vector<std::string>{"198.51.100.10"});
    ASSERT_EQ(call("PATCH", "/policy", R"([{"action":"deny","target":"www.allowed.test"}])").status, 200);
    EXPECT_EQ(resolve("www.allowed.test").rcode, kRcodeNxDomain);
    ASSERT_EQ(call("DELETE", "/policy", R"(["WWW.Allowed.TEST."])").status, 200);
    EXPECT_EQ(resolve("www.allowed.test").addresses(), std::vector<std::string>{"198.51.100.10"});
    ASSERT_EQ(call("DELETE", "/policy", R"(["*.allowed.test"])").status, 200);
    EXPECT_EQ(resolve("www.allowed.test").rcode, kRcodeNxDomain);

    // Every learned address was revoked by now: both names ended up denied.
    const std::string metrics = call("GET", "/metrics", {}, false, "").body;
    for (const char* line : {R"(egress_policy_updates_total{operation="patch",result="applied"} 2)",
                             R"(egress_policy_updates_total{operation="delete",result="applied"} 3)",
                             "egress_nft_apply_seconds_count 7", "egress_nft_learned_addresses 0"}) {
        EXPECT_NE(metrics.find(line), std::string::npos) << line << "\n" << metrics;
    }
    EXPECT_EQ(metrics.find("egress_nft_dynamic_write_seconds_count 0"), std::string::npos) << metrics;
}

TEST_F(EgressSidecarTest, AllowAlwaysFileFlipsADeniedNameWhileRunning) {
    start({rules_env(kAllowStarAllowed)});
    EXPECT_EQ(resolve("other.test").rcode, kRcodeNxDomain);
    std::ofstream(work_dir_ / "rules" / "allow.always") << "other.test\n";
    const auto deadline = std::chrono::steady_clock::now() + 12s;
    while (resolve("other.test").rcode == kRcodeNxDomain && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(200ms);
    }
    EXPECT_EQ(resolve("other.test").addresses(), std::vector<std::string>{"198.51.100.20"});
    EXPECT_EQ(nlohmann::json::parse(current_policy()).at("egress").size(), 1u)
        << "GET shows the user policy only";
    std::filesystem::remove(work_dir_ / "rules" / "allow.always");
    const auto removed_deadline = std::chrono::steady_clock::now() + 12s;
    while (resolve("other.test").rcode != kRcodeNxDomain &&
           std::chrono::steady_clock::now() < removed_deadline) {
        std::this_thread::sleep_for(200ms);
    }
    EXPECT_EQ(resolve("other.test").rcode, kRcodeNxDomain);
}

TEST_F(EgressSidecarTest, AfterSigkillEnforcementStaysAndARestartIsClean) {
    harness::EchoServer other_web({topology_->upstream(), "198.51.100.20", 80, "other"});
    start({"OPENSANDBOX_EGRESS_MODE=dns+nft", rules_env(kAllowStarAllowed)});
    process_->kill();

    EXPECT_FALSE(can_connect("198.51.100.20")) << "the filter vanished with the process";
    EXPECT_FALSE(resolve("other.test").ok()) << "DNS must fail closed while the proxy is down";
    EXPECT_EQ(upstream_->query_count("other.test"), 0u) << "a query bypassed the dead proxy";

    start({"OPENSANDBOX_EGRESS_MODE=dns+nft", rules_env(kAllowStarAllowed)});
    EXPECT_EQ(resolve("www.allowed.test").addresses(), std::vector<std::string>{"198.51.100.10"});
    EXPECT_EQ(resolve("other.test").rcode, kRcodeNxDomain);
    const std::string tables = nft({"list", "tables"});
    EXPECT_EQ(tables.find("opensandbox"), tables.rfind("opensandbox")) << tables;
    const std::string redirect = nft({"list", "chain", "inet", "opensandbox", "dns_redirect"});
    size_t redirects = 0;
    for (size_t at = redirect.find("redirect to"); at != std::string::npos;
         at = redirect.find("redirect to", at + 1)) {
        ++redirects;
    }
    EXPECT_EQ(redirects, 2u) << "duplicated rules after the restart:\n" << redirect;
}

}  // namespace
}  // namespace egress_api_test
