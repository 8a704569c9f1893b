// The credential proxy's data plane, driven from inside the sandbox by an unprivileged workload with
// curl and Python against real TLS origins in the fake internet.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "credential_proxy_fixture.hpp"

namespace credential_vault_test {
namespace {

using namespace std::chrono_literals;

// One binding per auth type on api.bound.test, each on its own path; files.bound.test is bound
// too (another credential), so connections to it are decrypted.
constexpr const char* kBindings = R"([
  {"name":"bearer","match":{"hosts":["api.bound.test"],"paths":["/bearer/*"]},
   "auth":{"type":"bearer","credential":"token"}},
  {"name":"basic","match":{"hosts":["api.bound.test"],"methods":["GET"],"paths":["/basic/*"]},
   "auth":{"type":"basic","credential":"userpass"}},
  {"name":"key","match":{"hosts":["api.bound.test"],"paths":["/key/exact"]},
   "auth":{"type":"apiKey","name":"x-api-key","credential":"key"}},
  {"name":"custom","match":{"hosts":["api.bound.test"],"paths":["/custom/*"]},
   "auth":{"type":"customHeaders","headers":[{"name":"X-Team","credential":"team"},
                                              {"name":"x-secret-two","credential":"key"}]}},
  {"name":"files","match":{"hosts":["files.bound.test"],"paths":["/*"]},
   "auth":{"type":"bearer","credential":"files-token"}},
  {"name":"plain","match":{"schemes":["http"],"ports":[80],"hosts":["api.bound.test"],"paths":["/plain/*"]},
   "auth":{"type":"bearer","credential":"token"}}
])";

const std::vector<std::pair<std::string, std::string>> kCredentials = {{"token", "tok-SECRET-1"},
                                                                       {"userpass", "dXNlcjpzZWNyZXQ="},
                                                                       {"key", "key-SECRET-2"},
                                                                       {"team", "team-SECRET-3"},
                                                                       {"files-token", "files-SECRET-4"}};

class CredentialInjectionTest : public CredentialProxyTest {
  protected:
    void SetUp() override {
        CredentialProxyTest::SetUp();
        if (IsSkipped()) {
            return;
        }
        start();
        const auto created = create_vault(kCredentials, kBindings);
        ASSERT_EQ(created.status, 201) << created.body << created.error;
    }

    // The header the origin received for a request made by curl with `arguments`.
    std::string received(const std::string& header, const std::vector<std::string>& arguments) {
        return echo_header(curl(arguments), header);
    }
};

TEST_F(CredentialInjectionTest, EachAuthTypeIsInjectedAndReplacesWhatTheClientSent) {
    EXPECT_EQ(received("authorization",
                       {"-H", "Authorization: Bearer forged", "https://api.bound.test/bearer/items"}),
              "Bearer tok-SECRET-1");
    EXPECT_EQ(received("authorization", {"https://api.bound.test/basic/me"}), "Basic dXNlcjpzZWNyZXQ=");
    EXPECT_EQ(received("x-api-key", {"-H", "x-API-key: mine", "https://api.bound.test/key/exact"}),
              "key-SECRET-2");
    const auto custom = curl({"https://api.bound.test/custom/a?query=1"});
    EXPECT_EQ(echo_header(custom, "x-team"), "team-SECRET-3");
    EXPECT_EQ(echo_header(custom, "x-secret-two"), "key-SECRET-2");
    EXPECT_EQ(received("authorization", {"http://api.bound.test/plain/x"}), "Bearer tok-SECRET-1");
}

TEST_F(CredentialInjectionTest, NearMissesGetNoCredential) {
    const std::string sent = "Bearer mine";
    // Path, method, host, scheme and exact-path near misses keep the client's own header.
    EXPECT_EQ(received("authorization", {"-H", "Authorization: " + sent, "https://api.bound.test/bearerx"}),
              sent);
    EXPECT_EQ(received("authorization",
                       {"-H", "Authorization: " + sent, "-X", "POST", "https://api.bound.test/basic/me"}),
              sent);
    EXPECT_EQ(received("x-api-key", {"https://api.bound.test/key/exact/more"}), "");
    EXPECT_EQ(received("authorization", {"http://api.bound.test/bearer/items"}), "");
    EXPECT_EQ(received("authorization", {"https://www.open.test/bearer/items"}), "");
    // A path that only reaches /bearer/ before normalisation does not match it.
    EXPECT_EQ(received("authorization", {"--path-as-is", "https://api.bound.test/bearer/../other"}), "");
    // A path a server could read differently is refused outright on a bound host.
    const auto encoded_slash =
        curl({"-o", "/dev/null", "-w", "%{http_code}", "https://api.bound.test/bearer%2F..%2Fx"});
    EXPECT_EQ(encoded_slash.output, "400");
}

TEST_F(CredentialInjectionTest, HostMustNameTheServerTheConnectionReaches) {
    // TLS to files.bound.test asking for api.bound.test: refused, nothing forwarded.
    const auto crossed =
        curl({"-w", "\n%{http_code}", "-H", "Host: api.bound.test", "https://files.bound.test/bearer/x"});
    EXPECT_TRUE(crossed.output.ends_with("\n421")) << crossed.output;
    EXPECT_EQ(crossed.output.find("SECRET"), std::string::npos);
    // TLS to an unbound server: not decrypted, so the Host header earns nothing.
    EXPECT_EQ(received("authorization", {"-H", "Host: api.bound.test", "https://www.open.test/bearer/x"}),
              "");
    // Plain HTTP: the Host must be a name that resolved to the address the connection goes to.
    const auto elsewhere =
        curl({"-w", "\n%{http_code}", "-H", "Host: api.bound.test", "http://www.open.test/plain/x"});
    EXPECT_TRUE(elsewhere.output.ends_with("\n421")) << elsewhere.output;
    EXPECT_EQ(origin_->read_log().find("GET /plain/x authorization=True"), std::string::npos)
        << origin_->read_log();
}

TEST_F(CredentialInjectionTest, UnboundHostsPassThroughWithTheirOwnCertificate) {
    // Trusting only the public CA: the origin's own certificate arrives, untouched by the proxy.
    const auto direct = workload({"curl", "-sS", "--max-time", "20", "--cacert", public_ca().string(),
                                  "https://www.open.test/anything"});
    EXPECT_NE(direct.output.find("\"path\": \"/anything\""), std::string::npos) << direct.output;
    // Trusting only the proxy's CA: bound hosts work, unbound ones do not.
    const auto bound = workload({"curl", "-sS", "--max-time", "20", "--cacert", proxy_ca().string(),
                                 "https://api.bound.test/bearer/x"});
    EXPECT_NE(bound.output.find("tok-SECRET-1"), std::string::npos) << bound.output;
    const auto unbound = workload(
        {"curl", "-sS", "--max-time", "20", "--cacert", proxy_ca().string(), "https://www.open.test/x"});
    EXPECT_NE(unbound.exit_code, 0) << unbound.output;
}

TEST_F(CredentialInjectionTest, SecretsInResponseHeadersAreRedacted) {
    const auto reflected = curl({"-D", "-", "-o", "/dev/null", "https://api.bound.test/bearer/reflect"});
    EXPECT_EQ(reflected.output.find("tok-SECRET-1"), std::string::npos) << reflected.output;
    EXPECT_NE(reflected.output.find("X-Reflected-Authorization: [REDACTED]"), std::string::npos)
        << reflected.output;
}

TEST_F(CredentialInjectionTest, PythonRequestsAndUrllibWithTheInstalledTrust) {
    const std::string script = R"(
import json, sys, urllib.request, requests
one = requests.get("https://api.bound.test/bearer/requests", timeout=20).json()
two = json.load(urllib.request.urlopen("https://api.bound.test/key/exact", timeout=20))
print(one["headers"]["authorization"][0], two["headers"]["x-api-key"][0])
)";
    const auto result =
        workload({"env", "REQUESTS_CA_BUNDLE=" + trust_bundle().string(),
                  "SSL_CERT_FILE=" + trust_bundle().string(), "/usr/bin/python3", "-c", script});
    EXPECT_EQ(result.output, "Bearer tok-SECRET-1 key-SECRET-2\n");
}

TEST_F(CredentialInjectionTest, ARevokedBindingStopsAtTheNextRequestOnAKeptAliveConnection) {
    const auto go_on = work_dir_ / "go-on";
    const std::string script = R"(
import os, sys, time, requests
session = requests.Session()
first = session.get("https://api.bound.test/bearer/1", timeout=20).json()["headers"].get("authorization", [None])[0]
print(first, flush=True)
while not os.path.exists(sys.argv[1]):
    time.sleep(0.02)
second = session.get("https://api.bound.test/bearer/2", timeout=20).json()["headers"].get("authorization", [None])[0]
print(second, flush=True)
)";
    std::thread revoke([&] {
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        while (origin_->read_log().find("GET /bearer/1 ") == std::string::npos &&
               std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(20ms);
        }
        const auto patched = call("PATCH", "/credential-vault", R"({"bindings":{"delete":["bearer"]}})");
        EXPECT_EQ(patched.status, 200) << patched.body;
        std::ofstream(go_on) << "";
    });
    const auto result = workload({"env", "REQUESTS_CA_BUNDLE=" + trust_bundle().string(), "/usr/bin/python3",
                                  "-c", script, go_on.string()});
    revoke.join();
    EXPECT_EQ(result.output, "Bearer tok-SECRET-1\nNone\n");
}

TEST_F(CredentialInjectionTest, WebSocketUpgradesBecomeAByteRelay) {
    const std::string script = R"(
import socket, ssl, sys
context = ssl.create_default_context(cafile=sys.argv[1])
with socket.create_connection(("api.bound.test", 443), timeout=20) as raw:
    with context.wrap_socket(raw, server_hostname="api.bound.test") as tls:
        tls.sendall(b"GET /ws HTTP/1.1\r\nHost: api.bound.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
        head = b""
        while b"\r\n\r\n" not in head:
            head += tls.recv(1)
        tls.sendall(b"frame-bytes")
        echoed = b""
        while len(echoed) < len(b"frame-bytes"):
            echoed += tls.recv(64)
        print(head.split(b"\r\n")[0].decode(), echoed.decode())
)";
    const auto result = workload({"/usr/bin/python3", "-c", script, trust_bundle().string()});
    EXPECT_EQ(result.output, "HTTP/1.1 101 Switching Protocols frame-bytes\n");
}

TEST_F(CredentialInjectionTest, BodiesOfAnySizeStreamBothWays) {
    const auto blob = work_dir_ / "blob";
    harness::run_checked({"sh", "-c", "head -c 33554432 /dev/urandom >" + blob.string()});
    std::filesystem::permissions(blob, std::filesystem::perms::others_read,
                                 std::filesystem::perm_options::add);
    const std::string expected =
        harness::run_checked({"sh", "-c", "sha256sum <" + blob.string() + " | cut -d' ' -f1"});
    for (const char* framing : {"Content-Length", "chunked"}) {
        SCOPED_TRACE(framing);
        std::vector<std::string> arguments{"--data-binary", "@" + blob.string(),
                                           "https://api.bound.test/bearer/up"};
        if (std::string(framing) == "chunked") {
            arguments.insert(arguments.begin(), {"-H", "Transfer-Encoding: chunked"});
        }
        const auto uploaded = curl(arguments);
        const auto echo = nlohmann::json::parse(uploaded.output, nullptr, false);
        ASSERT_FALSE(echo.is_discarded()) << uploaded.output;
        EXPECT_EQ(echo["body_bytes"], 33554432);
        EXPECT_EQ(echo["body_sha256"].get<std::string>() + "\n", expected);
        EXPECT_EQ(echo["headers"]["authorization"][0], "Bearer tok-SECRET-1");
    }
    const auto downloaded = curl({"-o", "/dev/null", "-w", "%{size_download}",
                                  "https://api.bound.test/bearer/download?bytes=67108864"});
    EXPECT_EQ(downloaded.output, "67108864");
}

TEST_F(CredentialInjectionTest, EgressOwnConnectionsAreNotIntercepted) {
    egress_.reset();
    start({"OPENSANDBOX_EGRESS_DENY_WEBHOOK=http://198.51.100.20/hook",
           "OPENSANDBOX_EGRESS_DENY_WEBHOOK_WINDOW_SEC=1"});
    workload({"sh", "-c", "getent hosts denied.example >/dev/null; true"});
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (origin_->read_log().find("POST /hook") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(50ms);
    }
    ASSERT_NE(origin_->read_log().find("POST /hook"), std::string::npos);
    const auto metrics = call("GET", "/metrics").body;
    EXPECT_EQ(metrics.find("egress_credential_proxy_connections_total{"), std::string::npos) << metrics;
}

TEST_F(CredentialInjectionTest, SecretsNeverReachLogsOrTheApi) {
    curl({"https://api.bound.test/bearer/x"});
    curl({"https://api.bound.test/custom/x"});
    for (const char* path : {"/credential-vault", "/credential-vault/credentials",
                             "/credential-vault/bindings", "/policy", "/metrics"}) {
        const auto response = call("GET", path);
        EXPECT_EQ(response.body.find("SECRET"), std::string::npos) << path << ": " << response.body;
    }
    EXPECT_EQ(egress_->read_log().find("SECRET"), std::string::npos);
    EXPECT_EQ(egress_->read_log().find("dXNlcjpzZWNyZXQ="), std::string::npos);
    const auto key = work_dir_ / "state" / "ca-key.pem";
    EXPECT_FALSE(workload({"cat", key.string()}).exit_code == 0) << "the workload can read the CA key";
    EXPECT_EQ(harness::run_checked({"sh", "-c", "grep -c 'PRIVATE KEY' " + proxy_ca().string() + " || true"}),
              "0\n");
}

TEST_F(CredentialInjectionTest, MetricsCountConnectionsAndVerdictsWithoutNames) {
    curl({"https://api.bound.test/bearer/x"});
    curl({"https://www.open.test/x"});
    curl({"-H", "Host: api.bound.test", "https://files.bound.test/x"});
    const auto metrics = call("GET", "/metrics").body;
    for (const char* sample : {"egress_credential_proxy_connections_total{mode=\"decrypted\"} ",
                               "egress_credential_proxy_connections_total{mode=\"opaque\"} ",
                               "egress_credential_proxy_requests_total{verdict=\"inject\"} ",
                               "egress_credential_proxy_requests_total{verdict=\"misdirected\"} "}) {
        EXPECT_NE(metrics.find(sample), std::string::npos) << sample << "\n" << metrics;
    }
    EXPECT_EQ(metrics.find("bound.test"), std::string::npos);
    EXPECT_EQ(metrics.find("open.test"), std::string::npos);
}

// The proxy connects onward only where the filter lets the workload go: 198.51.100.20 was never
// resolved here, so neither the proxy's connection nor one carrying the proxy's mark reaches it.
TEST_F(CredentialInjectionTest, ThePolicyStillDecidesWhereTheProxyGoes) {
    const std::string script = R"(
import socket, sys
s = socket.socket()
if sys.argv[1] == "mark":
    s.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, 2)
s.settimeout(3 if sys.argv[1] == "mark" else 20)
try:
    s.connect(("198.51.100.20", 80))
    s.sendall(b"GET /unresolved HTTP/1.1\r\nHost: api.bound.test\r\n\r\n")
    print(len(s.recv(65536)))
except OSError as error:
    print(type(error).__name__)
)";
    // Unprivileged: the proxy accepts, its onward connection is dropped, the client gets nothing.
    const auto unprivileged = workload({"/usr/bin/python3", "-c", script, "plain"});
    EXPECT_TRUE(unprivileged.output == "0\n" || unprivileged.output == "ConnectionResetError\n")
        << unprivileged.output;
    // Root in the sandbox (CAP_NET_RAW among its capabilities) forging the proxy's mark skips the
    // redirect only: the filter drops the SYN.
    const auto forged = harness::run_command(
        {"ip", "netns", "exec", topology_->sandbox(), "/usr/bin/python3", "-c", script, "mark"});
    EXPECT_EQ(forged.output, "TimeoutError\n");
    EXPECT_EQ(origin_->read_log().find("/unresolved"), std::string::npos) << origin_->read_log();
}

}  // namespace
}  // namespace credential_vault_test
