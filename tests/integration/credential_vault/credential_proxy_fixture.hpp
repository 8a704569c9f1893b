#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "harness/command.hpp"
#include "harness/http_client.hpp"
#include "harness/namespace_process.hpp"
#include "harness/test_dns_server.hpp"
#include "harness/topology.hpp"

namespace credential_vault_test {

inline constexpr const char* kToken = "vault-test-token";
inline constexpr const char* kApi = "http://127.0.0.1:18080";
inline constexpr const char* kPolicy =
    R"({"defaultAction":"deny","egress":[{"action":"allow","target":"*.bound.test"},)"
    R"({"action":"allow","target":"*.open.test"}]})";

// The real egress binary with its credential proxy, in a sandbox namespace; in the upstream one a
// DNS server and origin servers (origin_server.py: HTTPS on 443 with a certificate from a test
// "public" CA, plain HTTP on 80) that answer with what they received:
//   api.bound.test, files.bound.test  198.51.100.10      www.open.test, near.open.test  198.51.100.20
// The policy allows *.bound.test and *.open.test.
class CredentialProxyTest : public ::testing::Test {
  protected:
    void SetUp() override;
    void TearDown() override;

    // Starts egress (dns+nft, the proxy on, the token, the test CA trusted upstream) with
    // `environment` added (a later NAME= wins), and waits until the API answers and, when
    // `with_proxy`, the proxy's CA is published.
    void start(const std::vector<std::string>& environment = {}, bool with_proxy = true);

    // One call to the vault or policy API from inside the sandbox, with the token unless told otherwise.
    harness::HttpResponse call(const std::string& method, const std::string& path,
                               const std::string& body = {}, const std::string& token = kToken,
                               std::vector<std::pair<std::string, std::string>> headers = {});
    // POST /credential-vault with one inline credential per (name, value) and the bindings (JSON array text).
    harness::HttpResponse create_vault(const std::vector<std::pair<std::string, std::string>>& credentials,
                                       const std::string& bindings_json);

    // A command run as an unprivileged workload (uid 65534) inside the sandbox.
    harness::CommandResult workload(const std::vector<std::string>& argv, const std::string& input = {});
    // curl as the workload, trusting the test's public CA and the proxy's CA; -sS, 30 s at most.
    harness::CommandResult curl(const std::vector<std::string>& arguments, const std::string& input = {});
    // The origin's JSON echo of a request made with curl; empty object when curl failed.
    std::string echo_header(const harness::CommandResult& result, const std::string& header);

    std::filesystem::path trust_bundle() const { return work_dir_ / "workload-trust.pem"; }
    std::filesystem::path public_ca() const { return work_dir_ / "pki" / "public-ca.pem"; }
    std::filesystem::path proxy_ca() const { return work_dir_ / "shared" / "mitmproxy-ca-cert.pem"; }

    std::unique_ptr<harness::Topology> topology_;
    std::unique_ptr<harness::TestDnsServer> dns_;
    std::unique_ptr<harness::NamespaceProcess> origin_;
    std::unique_ptr<harness::NamespaceProcess> egress_;
    std::filesystem::path work_dir_;

  private:
    void make_public_pki();
    void start_origin();
};

}  // namespace credential_vault_test
