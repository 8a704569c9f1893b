#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "harness/dns_query.hpp"
#include "harness/http_client.hpp"
#include "harness/namespace_process.hpp"
#include "harness/test_dns_server.hpp"
#include "harness/topology.hpp"

namespace egress_api_test {

inline constexpr const char* kToken = "s3cret-token";
inline constexpr const char* kApi = "http://127.0.0.1:18080";

// The real egress binary in a sandbox namespace with a DNS server (and web servers) upstream:
//   www.allowed.test  198.51.100.10      other.test  198.51.100.20
//   www.blocked.test  198.51.100.30      hooks.denied.test  10.77.0.1 (the upstream itself)
class EgressSidecarTest : public ::testing::Test {
  protected:
    void SetUp() override;
    void TearDown() override;

    // Starts egress with the token, the work dir's rules directory and `environment`
    // ("NAME=value"), and waits until /healthz answers.
    void start(const std::vector<std::string>& environment);
    bool wait_until_healthy(std::chrono::milliseconds timeout = std::chrono::seconds(5));

    // One request to the API from inside the sandbox, with the token unless told otherwise.
    harness::HttpResponse call(const std::string& method, const std::string& path,
                               const std::string& body = {}, bool with_body = true,
                               const std::string& token = kToken);
    std::string current_policy();  // GET /policy's "policy" object, compact JSON

    // The resolver address the workload uses (port-53 traffic is redirected to the proxy).
    harness::DnsQueryResult resolve(const std::string& name);
    bool can_connect(const std::string& address, uint16_t port = 80);
    std::string nft(const std::vector<std::string>& arguments);

    std::unique_ptr<harness::Topology> topology_;
    std::unique_ptr<harness::TestDnsServer> upstream_;
    std::filesystem::path work_dir_;
    std::unique_ptr<harness::NamespaceProcess> process_;
};

}  // namespace egress_api_test
