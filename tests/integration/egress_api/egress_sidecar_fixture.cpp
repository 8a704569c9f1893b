#include "egress_sidecar_fixture.hpp"

#include <nlohmann/json.hpp>
#include <thread>

#include "harness/command.hpp"
#include "harness/dns_types.hpp"
#include "harness/dns_zone.hpp"
#include "harness/net_clients.hpp"
#include "harness/require_netns.hpp"

namespace egress_api_test {

using namespace std::chrono_literals;
using harness::Topology;

void EgressSidecarTest::SetUp() {
    HARNESS_REQUIRE_NETNS();
    topology_ = std::make_unique<Topology>();
    topology_->write_resolv_conf(topology_->sandbox(), {std::string(Topology::kUpstreamIpv4)});
    for (const char* host : {"198.51.100.10", "198.51.100.20", "198.51.100.30"}) {
        topology_->add_upstream_address(host);
    }
    harness::DnsZone zone;
    zone.add_a("www.allowed.test", "198.51.100.10");
    zone.add_a("other.test", "198.51.100.20");
    zone.add_a("www.blocked.test", "198.51.100.30");
    zone.add_a("hooks.denied.test", std::string(Topology::kUpstreamIpv4));
    upstream_ = std::make_unique<harness::TestDnsServer>(harness::TestDnsServerConfig{
        topology_->upstream(), std::string(Topology::kUpstreamIpv4), 53, zone, 60});
    work_dir_ = std::filesystem::temp_directory_path() / ("egress-api-" + topology_->sandbox());
    std::filesystem::create_directories(work_dir_ / "rules");
}

void EgressSidecarTest::TearDown() {
    process_.reset();
    if (!work_dir_.empty()) {
        std::filesystem::remove_all(work_dir_);
    }
}

void EgressSidecarTest::start(const std::vector<std::string>& environment) {
    std::vector<std::string> argv{"env",
                                  "OPENSANDBOX_EGRESS_ALWAYS_RULES_DIR=" + (work_dir_ / "rules").string(),
                                  std::string("OPENSANDBOX_EGRESS_TOKEN=") + kToken};
    argv.insert(argv.end(), environment.begin(), environment.end());
    argv.push_back(EGRESS_BINARY);
    process_ = std::make_unique<harness::NamespaceProcess>(
        topology_->spawn(topology_->sandbox(), argv, work_dir_ / "egress.log"));
    ASSERT_TRUE(wait_until_healthy()) << process_->read_log();
}

bool EgressSidecarTest::wait_until_healthy(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline && process_->running()) {
        if (call("GET", "/healthz", {}, false, "").status == 200) {
            return true;
        }
        std::this_thread::sleep_for(50ms);
    }
    return false;
}

harness::HttpResponse EgressSidecarTest::call(const std::string& method, const std::string& path,
                                              const std::string& body, bool with_body,
                                              const std::string& token) {
    harness::HttpRequest request;
    request.method = method;
    request.url = std::string(kApi) + path;
    request.body = body;
    request.send_body = with_body && method != "GET";
    if (!token.empty()) {
        request.headers.emplace_back("OPENSANDBOX-EGRESS-AUTH", token);
    }
    return harness::http_request(topology_->sandbox(), request);
}

std::string EgressSidecarTest::current_policy() {
    const auto response = call("GET", "/policy");
    if (response.status != 200) {
        return "GET /policy failed: " + std::to_string(response.status) + " " + response.body +
               response.error;
    }
    return nlohmann::json::parse(response.body).at("policy").dump();
}

harness::DnsQueryResult EgressSidecarTest::resolve(const std::string& name) {
    return harness::dns_query(topology_->sandbox(), std::string(Topology::kUpstreamIpv4), 53, name,
                              harness::kDnsTypeA, false, 1000ms);
}

bool EgressSidecarTest::can_connect(const std::string& address, uint16_t port) {
    return harness::tcp_connect(topology_->sandbox(), address, port, 500ms).connected;
}

std::string EgressSidecarTest::nft(const std::vector<std::string>& arguments) {
    std::vector<std::string> argv{"ip", "netns", "exec", topology_->sandbox(), "nft"};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return harness::run_command(argv).output;
}

}  // namespace egress_api_test
