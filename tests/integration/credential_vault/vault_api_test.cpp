// The /credential-vault API of the real egress binary: routes, gates in upstream's order, statuses
// and texts, revisions, and the coupling with /policy.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "credential_proxy_fixture.hpp"

namespace credential_vault_test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* kOneBinding =
    R"([{"name":"gh","match":{"hosts":["api.bound.test"],"paths":["/v1/*"]},"auth":{"type":"bearer","credential":"tok"}}])";

void expect_text(const harness::HttpResponse& response, int status, const std::string& text) {
    EXPECT_EQ(response.status, status) << response.body << response.error;
    EXPECT_EQ(response.body, text + "\n");
    EXPECT_EQ(response.header("Content-Type"), "text/plain; charset=utf-8");
}

class VaultApiTest : public CredentialProxyTest {};

TEST_F(VaultApiTest, LifecycleWithRevisionsAndNoSecretInAnyAnswer) {
    start();
    expect_text(call("GET", "/credential-vault"), 404, "credential vault not found");
    const auto created = create_vault({{"tok", "value-SECRET"}}, kOneBinding);
    ASSERT_EQ(created.status, 201) << created.body;
    EXPECT_EQ(created.header("Content-Type"), "application/json");
    const json state = json::parse(created.body);
    EXPECT_EQ(state["revision"], 1);
    EXPECT_EQ(state["credentials"], json::parse(R"([{"name":"tok","sourceType":"inline","revision":1}])"));
    EXPECT_EQ(state["bindings"][0]["auth"], json::parse(R"({"type":"bearer"})"));
    expect_text(create_vault({}, "[]"), 409, "credential vault already exists");

    const auto patched = call("PATCH", "/credential-vault", R"({"expectedRevision":1})");
    ASSERT_EQ(patched.status, 200) << patched.body;
    EXPECT_EQ(json::parse(patched.body)["revision"], 2);
    expect_text(call("PATCH", "/credential-vault", R"({"expectedRevision":1})"), 409,
                "expectedRevision 1 does not match current revision 2");

    EXPECT_EQ(json::parse(call("GET", "/credential-vault/credentials").body)["revision"], 2);
    EXPECT_EQ(json::parse(call("GET", "/credential-vault/credentials/%20tok").body)["name"], "tok");
    EXPECT_EQ(json::parse(call("GET", "/credential-vault/bindings/gh").body)["revision"], 2);
    expect_text(call("GET", "/credential-vault/credentials/nope"), 404, "credential not found");
    expect_text(call("GET", "/credential-vault/bindings/nope"), 404, "binding not found");
    for (const char* path :
         {"/credential-vault", "/credential-vault/credentials", "/credential-vault/bindings",
          "/credential-vault/bindings/gh", "/credential-vault/credentials/tok"}) {
        EXPECT_EQ(call("GET", path).body.find("SECRET"), std::string::npos) << path;
    }

    const auto removed = call("DELETE", "/credential-vault");
    EXPECT_EQ(removed.status, 204);
    EXPECT_EQ(removed.body, "");
    expect_text(call("DELETE", "/credential-vault"), 404, "credential vault not found");
    expect_text(call("GET", "/credential-vault/bindings"), 404, "credential vault not found");
}

TEST_F(VaultApiTest, RoutesAuthAndMethods) {
    start();
    expect_text(call("GET", "/credential-vault/_active", "", ""), 403, "forbidden");
    EXPECT_EQ(call("POST", "/credential-vault/_active", "{}", "").status, 405);
    expect_text(call("GET", "/credential-vault", "", ""), 401, "unauthorized");
    expect_text(call("POST", "/credential-vault", "{}", "wrong"), 401, "unauthorized");
    const auto put = call("PUT", "/credential-vault", "{}");
    expect_text(put, 405, "method not allowed");
    EXPECT_EQ(put.header("Allow"), "GET, POST, PATCH, DELETE");
    const auto post_item = call("POST", "/credential-vault/credentials/x", "{}");
    expect_text(post_item, 405, "method not allowed");
    EXPECT_EQ(post_item.header("Allow"), "GET");
    expect_text(call("GET", "/credential-vault/other"), 404, "not found");
}

TEST_F(VaultApiTest, WriteGatesInUpstreamOrder) {
    start({"OPENSANDBOX_EGRESS_CREDENTIAL_VAULT_REQUIRE_TLS=true"});
    // Loopback is trusted transport; a peer that is not, with or without a forwarded https, is not.
    EXPECT_EQ(create_vault({}, "[]").status, 201);
    const std::string sandbox_api = "http://" + std::string(harness::Topology::kSandboxIpv4) + ":18080";
    harness::HttpRequest remote{"DELETE",
                                sandbox_api + "/credential-vault",
                                "",
                                false,
                                {{"OPENSANDBOX-EGRESS-AUTH", kToken}, {"X-Forwarded-Proto", "https"}}};
    const auto refused = harness::http_request(topology_->upstream(), remote);
    EXPECT_EQ(refused.status, 426) << refused.body << refused.error;
    EXPECT_EQ(refused.body, "credential vault writes require TLS or loopback transport\n");
    // 401 comes before everything.
    expect_text(call("DELETE", "/credential-vault", "", "wrong"), 401, "unauthorized");
}

TEST_F(VaultApiTest, TrustedProxyCidrsAdmitForwardedHttps) {
    start({"OPENSANDBOX_EGRESS_CREDENTIAL_VAULT_REQUIRE_TLS=true",
           "OPENSANDBOX_EGRESS_CREDENTIAL_VAULT_TRUSTED_PROXY_CIDRS=10.77.0.0/24"});
    const std::string sandbox_api = "http://" + std::string(harness::Topology::kSandboxIpv4) + ":18080";
    harness::HttpRequest plain{
        "POST", sandbox_api + "/credential-vault", "{}", true, {{"OPENSANDBOX-EGRESS-AUTH", kToken}}};
    EXPECT_EQ(harness::http_request(topology_->upstream(), plain).status, 426);
    plain.headers.emplace_back("X-Forwarded-Proto", "HTTPS");
    EXPECT_EQ(harness::http_request(topology_->upstream(), plain).status, 201);
}

TEST_F(VaultApiTest, PreconditionsAnswer412WithTheirReason) {
    const std::pair<std::vector<std::string>, std::string> cases[] = {
        {{"OPENSANDBOX_EGRESS_TOKEN="}, "credential vault requires egress API auth token"},
        {{"OPENSANDBOX_EGRESS_MITMPROXY_TRANSPARENT=false"},
         "credential vault requires transparent mitmproxy"},
        {{"OPENSANDBOX_EGRESS_MITMPROXY_SSL_INSECURE=true"},
         "credential vault rejects insecure upstream TLS mode"},
        {{"OPENSANDBOX_EGRESS_MODE=dns"}, "credential vault requires dns+nft egress enforcement"},
        {{"OPENSANDBOX_EGRESS_REDIRECT=iptables"}, "credential proxy is not ready"},
    };
    for (const auto& [environment, reason] : cases) {
        SCOPED_TRACE(reason);
        egress_.reset();
        start(environment, false);
        const std::string token = environment.front() == "OPENSANDBOX_EGRESS_TOKEN=" ? "" : kToken;
        expect_text(call("POST", "/credential-vault", "{}", token), 412, reason);
        EXPECT_EQ(call("GET", "/credential-vault", "", token).status, 404) << "reads need no readiness";
    }
}

TEST_F(VaultApiTest, DecodingAndValidationErrors) {
    start();
    const std::pair<std::string, std::string> create_errors[] = {
        {"", "invalid credential vault request: EOF"},
        {R"({"credentials":[],"extra":1})",
         R"(invalid credential vault request: json: unknown field "extra")"},
        {R"({"credentials":[{"name":" ","source":{"value":"v"}}]})", "credential name cannot be blank"},
        {R"({"credentials":[{"name":"a","source":{"type":"vault","value":"v"}}]})",
         R"(unsupported credential source type "vault")"},
        {R"({"credentials":[{"name":"a","source":{"value":""}}]})",
         R"(credential "a" inline value cannot be empty)"},
        {R"({"credentials":[{"name":"a","source":{"value":"v"}}],"bindings":[{"name":"b","match":{"hosts":["api.bound.test"]},"auth":{"type":"bearer","credential":"zz"}}]})",
         R"(binding "b" references unknown credential "zz")"},
        {R"({"credentials":[{"name":"a","source":{"value":"v"}}],"bindings":[{"name":"b","match":{"hosts":["api.elsewhere.test"]},"auth":{"type":"bearer","credential":"a"}}]})",
         R"(binding "b" host "api.elsewhere.test" is not covered by an explicit allow egress rule)"},
        {R"({"credentials":[{"name":"a","source":{"value":"v"}}],"bindings":[{"name":"b","match":{"hosts":["api.bound.test"]},"auth":{"type":"bearer","credential":"a"}},{"name":"c","match":{"hosts":["api.bound.test"]},"auth":{"type":"bearer","credential":"a"}}]})",
         R"(bindings "b" and "c" can match the same request)"},
    };
    for (const auto& [body, text] : create_errors) {
        SCOPED_TRACE(body);
        const auto response = call("POST", "/credential-vault", body);
        expect_text(response, 400, text);
    }
    expect_text(call("GET", "/credential-vault"), 404, "credential vault not found");
    ASSERT_EQ(create_vault({{"tok", "v"}}, kOneBinding).status, 201);
    expect_text(call("PATCH", "/credential-vault", R"({"bogus":true})"), 400,
                R"(invalid credential vault mutation request: json: unknown field "bogus")");
    expect_text(call("PATCH", "/credential-vault", R"({"credentials":{"delete":["tok"]}})"), 400,
                R"(binding "gh" references unknown credential "tok")");
    expect_text(
        call(
            "PATCH", "/credential-vault",
            R"({"bindings":{"replace":[{"name":"nope","match":{"hosts":["api.bound.test"]},"auth":{"type":"bearer","credential":"tok"}}]}})"),
        400, R"(binding "nope" does not exist)");
    EXPECT_EQ(json::parse(call("GET", "/credential-vault").body)["revision"], 1)
        << "a refused patch changed the vault";
}

TEST_F(VaultApiTest, PolicyChangesThatUncoverABoundHostAreRefused) {
    start();
    ASSERT_EQ(create_vault({{"tok", "v"}}, kOneBinding).status, 201);
    const auto before = call("GET", "/policy").body;
    expect_text(
        call("POST", "/policy",
             R"({"defaultAction":"deny","egress":[{"action":"allow","target":"*.open.test"}]})"),
        400,
        R"(credential vault policy validation: binding "gh" host "api.bound.test" is not covered by an explicit allow egress rule)");
    expect_text(
        call("PATCH", "/policy", R"([{"action":"deny","target":"api.bound.test"}])"), 400,
        R"(credential vault policy validation: binding "gh" host "api.bound.test" is not covered by an explicit allow egress rule)");
    EXPECT_EQ(call("GET", "/policy").body, before);
    // The always-deny overlay reload is held back too, until the binding goes.
    std::ofstream(work_dir_ / "rules" / "deny.always") << "api.bound.test\n";
    const auto refused_by = std::chrono::steady_clock::now() + 15s;
    while (egress_->read_log().find("not applied: credential vault policy validation") == std::string::npos &&
           std::chrono::steady_clock::now() < refused_by) {
        std::this_thread::sleep_for(100ms);
    }
    ASSERT_NE(egress_->read_log().find("not applied: credential vault policy validation"), std::string::npos)
        << egress_->read_log();
    EXPECT_EQ(workload({"getent", "hosts", "api.bound.test"}).exit_code, 0)
        << "the refused overlay was applied";
    ASSERT_EQ(call("DELETE", "/credential-vault").status, 204);
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (workload({"getent", "hosts", "api.bound.test"}).exit_code == 0 &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(200ms);
    }
    EXPECT_NE(workload({"getent", "hosts", "api.bound.test"}).exit_code, 0)
        << "the pending overlay was never applied";
}

// The official JS SDK (its EgressAdapter) unchanged. Needs Node.js 20 or later and the npm
// registry (the package is installed once into the build tree); skipped without them.
TEST_F(VaultApiTest, OfficialJsSdkCallsWorkUnchanged) {
    const std::string sdk_dir = JS_SDK_DIR;
    if (harness::run_command(
            {"node", "-e", "process.exit(+process.versions.node.split('.')[0] >= 20 ? 0 : 1)"})
            .exit_code != 0) {
        GTEST_SKIP() << "Node.js 20 or later not found";
    }
    if (!std::filesystem::exists(sdk_dir + "/node_modules/@alibaba-group/opensandbox/package.json")) {
        const auto installed = harness::run_command({"npm", "install", "--no-audit", "--no-fund", "--prefix",
                                                     sdk_dir, "@alibaba-group/opensandbox@0.1.11"});
        if (installed.exit_code != 0) {
            GTEST_SKIP() << "the SDK could not be installed from npm: " << installed.output;
        }
    }
    start();
    const auto result = harness::run_command(
        {"ip", "netns", "exec", topology_->sandbox(), "node", JS_SDK_SCRIPT, sdk_dir, kApi, kToken});
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_TRUE(result.output.ends_with("ok\n")) << result.output;
}

}  // namespace
}  // namespace credential_vault_test
