// A 1 GiB streamed upload through the credential proxy gets its credential and arrives whole
// (label heavy: left to the normal build).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "credential_proxy_fixture.hpp"

namespace credential_vault_test {
namespace {

class CredentialProxyHeavyTest : public CredentialProxyTest {};

TEST_F(CredentialProxyHeavyTest, OneGibibyteStreamedUploadCarriesItsCredential) {
    start();
    ASSERT_EQ(
        create_vault(
            {{"tok", "upload-SECRET"}},
            R"([{"name":"up","match":{"hosts":["api.bound.test"],"methods":["PUT"],"paths":["/upload"]},)"
            R"("auth":{"type":"bearer","credential":"tok"}}])")
            .status,
        201);
    constexpr const char* kGibibyte = "1073741824";
    const std::string expected = harness::run_checked(
        {"sh", "-c", std::string("head -c ") + kGibibyte + " /dev/zero | sha256sum | cut -d' ' -f1"});
    // Chunked, from a pipe: neither curl nor the proxy ever holds the body.
    const auto uploaded =
        workload({"sh", "-c",
                  std::string("head -c ") + kGibibyte + " /dev/zero | curl -sS --max-time 300 --cacert " +
                      trust_bundle().string() + " -T - https://api.bound.test/upload"});
    const auto echo = nlohmann::json::parse(uploaded.output, nullptr, false);
    ASSERT_FALSE(echo.is_discarded()) << uploaded.output;
    EXPECT_EQ(echo["method"], "PUT");
    EXPECT_EQ(echo["headers"]["transfer-encoding"][0], "chunked");
    EXPECT_EQ(echo["body_bytes"], 1073741824);
    EXPECT_EQ(echo["body_sha256"].get<std::string>() + "\n", expected);
    EXPECT_EQ(echo["headers"]["authorization"][0], "Bearer upload-SECRET");
}

}  // namespace
}  // namespace credential_vault_test
