#include "credential_proxy_fixture.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "harness/dns_zone.hpp"
#include "harness/require_netns.hpp"

namespace credential_vault_test {

using namespace std::chrono_literals;
using harness::Topology;

namespace {

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

void CredentialProxyTest::SetUp() {
    HARNESS_REQUIRE_NETNS();
    topology_ = std::make_unique<Topology>();
    topology_->write_resolv_conf(topology_->sandbox(), {std::string(Topology::kUpstreamIpv4)});
    for (const char* host : {"198.51.100.10", "198.51.100.20"}) {
        topology_->add_upstream_address(host);
    }
    harness::DnsZone zone;
    zone.add_a("api.bound.test", "198.51.100.10");
    zone.add_a("files.bound.test", "198.51.100.10");
    zone.add_a("www.open.test", "198.51.100.20");
    zone.add_a("near.open.test", "198.51.100.20");
    dns_ = std::make_unique<harness::TestDnsServer>(harness::TestDnsServerConfig{
        topology_->upstream(), std::string(Topology::kUpstreamIpv4), 53, zone, 60});
    work_dir_ = std::filesystem::temp_directory_path() / ("credential-vault-" + topology_->sandbox());
    std::filesystem::create_directories(work_dir_ / "rules");
    std::filesystem::create_directories(work_dir_ / "shared");
    make_public_pki();
    start_origin();
}

void CredentialProxyTest::TearDown() {
    egress_.reset();
    origin_.reset();
    if (!work_dir_.empty()) {
        std::filesystem::remove_all(work_dir_);
    }
}

// The "public" side: a CA the origins' certificate chains to, trusted by egress (as the system
// store would be) and by the workload.
void CredentialProxyTest::make_public_pki() {
    const auto pki = work_dir_ / "pki";
    std::filesystem::create_directories(pki / "trust");
    const std::string ca_key = (pki / "public-ca.key").string();
    const std::string server_key = (pki / "origin.key").string();
    harness::run_checked({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                          "-nodes", "-days", "2", "-subj", "/CN=credential vault test public CA", "-keyout",
                          ca_key, "-out", public_ca().string()});
    harness::run_checked({"openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                          "-subj", "/CN=origin", "-keyout", server_key, "-out",
                          (pki / "origin.csr").string()});
    std::ofstream(pki / "san.ext") << "subjectAltName=DNS:*.bound.test,DNS:*.open.test\n";
    harness::run_checked({"openssl", "x509", "-req", "-in", (pki / "origin.csr").string(), "-CA",
                          public_ca().string(), "-CAkey", ca_key, "-CAcreateserial", "-days", "1", "-extfile",
                          (pki / "san.ext").string(), "-out", (pki / "origin.pem").string()});
    std::filesystem::copy_file(public_ca(), pki / "trust" / "public-ca.pem");
}

void CredentialProxyTest::start_origin() {
    const auto pki = work_dir_ / "pki";
    origin_ = std::make_unique<harness::NamespaceProcess>(
        topology_->spawn(topology_->upstream(),
                         {"python3", ORIGIN_SERVER, "--cert", (pki / "origin.pem").string(), "--key",
                          (pki / "origin.key").string()},
                         work_dir_ / "origin.log"));
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (origin_->read_log().find("serving") == std::string::npos) {
        ASSERT_TRUE(origin_->running() && std::chrono::steady_clock::now() < deadline) << origin_->read_log();
        std::this_thread::sleep_for(50ms);
    }
}

void CredentialProxyTest::start(const std::vector<std::string>& environment, bool with_proxy) {
    std::vector<std::string> argv{
        "env",
        "OPENSANDBOX_EGRESS_ALWAYS_RULES_DIR=" + (work_dir_ / "rules").string(),
        std::string("OPENSANDBOX_EGRESS_TOKEN=") + kToken,
        "OPENSANDBOX_EGRESS_MODE=dns+nft",
        "OPENSANDBOX_EGRESS_LOG_LEVEL=debug",
        std::string("OPENSANDBOX_EGRESS_RULES=") + kPolicy,
        "OPENSANDBOX_EGRESS_MITMPROXY_TRANSPARENT=true",
        "OPENSANDBOX_EGRESS_MITMPROXY_UPSTREAM_TRUST_DIR=" + (work_dir_ / "pki" / "trust").string(),
        "OPENSANDBOX_EGRESS_CREDENTIAL_PROXY_STATE_DIR=" + (work_dir_ / "state").string(),
        "OPENSANDBOX_EGRESS_CREDENTIAL_PROXY_CA_FILE=" + proxy_ca().string(),
    };
    argv.insert(argv.end(), environment.begin(), environment.end());
    argv.push_back(EGRESS_BINARY);
    egress_ = std::make_unique<harness::NamespaceProcess>(
        topology_->spawn(topology_->sandbox(), argv, work_dir_ / "egress.log"));
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (call("GET", "/healthz").status != 200 || (with_proxy && !std::filesystem::exists(proxy_ca()))) {
        ASSERT_TRUE(egress_->running() && std::chrono::steady_clock::now() < deadline) << egress_->read_log();
        std::this_thread::sleep_for(50ms);
    }
    if (with_proxy) {
        std::ofstream(trust_bundle()) << read_file(public_ca()) << read_file(proxy_ca());
    }
}

harness::HttpResponse CredentialProxyTest::call(const std::string& method, const std::string& path,
                                                const std::string& body, const std::string& token,
                                                std::vector<std::pair<std::string, std::string>> headers) {
    harness::HttpRequest request;
    request.method = method;
    request.url = std::string(kApi) + path;
    request.body = body;
    request.send_body = !body.empty();
    request.headers = std::move(headers);
    if (!token.empty()) {
        request.headers.emplace_back("OPENSANDBOX-EGRESS-AUTH", token);
    }
    return harness::http_request(topology_->sandbox(), request);
}

harness::HttpResponse CredentialProxyTest::create_vault(
    const std::vector<std::pair<std::string, std::string>>& credentials, const std::string& bindings_json) {
    nlohmann::json body{{"credentials", nlohmann::json::array()},
                        {"bindings", nlohmann::json::parse(bindings_json)}};
    for (const auto& [name, value] : credentials) {
        body["credentials"].push_back({{"name", name}, {"source", {{"type", "inline"}, {"value", value}}}});
    }
    return call("POST", "/credential-vault", body.dump());
}

harness::CommandResult CredentialProxyTest::workload(const std::vector<std::string>& argv,
                                                     const std::string& input) {
    std::vector<std::string> command{"ip",      "netns",         "exec",          topology_->sandbox(),
                                     "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
    command.insert(command.end(), argv.begin(), argv.end());
    return harness::run_command(command, input);
}

harness::CommandResult CredentialProxyTest::curl(const std::vector<std::string>& arguments,
                                                 const std::string& input) {
    std::vector<std::string> argv{"curl", "-sS", "--max-time", "30", "--cacert", trust_bundle().string()};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return workload(argv, input);
}

std::string CredentialProxyTest::echo_header(const harness::CommandResult& result,
                                             const std::string& header) {
    const auto document = nlohmann::json::parse(result.output, nullptr, false);
    if (document.is_discarded() || !document.contains("headers")) {
        return "<no echo: " + result.output + ">";
    }
    const auto& headers = document["headers"];
    if (!headers.contains(header)) {
        return "";
    }
    std::string joined;
    for (const auto& value : headers[header]) {
        joined += (joined.empty() ? "" : ",") + value.get<std::string>();
    }
    return joined;
}

}  // namespace credential_vault_test
