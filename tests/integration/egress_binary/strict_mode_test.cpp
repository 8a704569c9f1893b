// OPENSANDBOX_EGRESS_STRICT and the start-up messages about a bad initial policy, on the real
// binary in a sandbox namespace.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "egress_binary_fixture.hpp"

namespace {

using namespace egress_binary_test;

// The policy as the JSON log line carries it: quotes escaped.
std::string json_escaped(const std::string& text) {
    std::string escaped;
    for (const char c : text) {
        if (c == '"' || c == '\\') {
            escaped += '\\';
        }
        escaped += c;
    }
    return escaped;
}

const std::string kAllowStarAllowedRules = std::string("OPENSANDBOX_EGRESS_RULES=") + kAllowStarAllowed;

TEST_F(EgressBinaryTest, WithoutStrictModeABadModeWarnsAndRunsDnsMode) {
    start({"OPENSANDBOX_EGRESS_MODE=dns+bogus", kAllowStarAllowedRules});
    ASSERT_TRUE(wait_until_serving()) << process_->read_log();
    EXPECT_EQ(query("www.allowed.test").addresses(), std::vector<std::string>{"198.51.100.10"});
    EXPECT_EQ(query("other.test").rcode, harness::kRcodeNxDomain);
    const std::string log = process_->read_log();
    EXPECT_NE(log.find("invalid OPENSANDBOX_EGRESS_MODE=dns+bogus, falling back to dns"), std::string::npos)
        << log;
    EXPECT_NE(log.find("\"enforcement mode: dns\""), std::string::npos) << log;
}

TEST_F(EgressBinaryTest, StrictModeRefusesABadModeWithExitTwoBeforeTouchingAnything) {
    start({"OPENSANDBOX_EGRESS_STRICT=true", "OPENSANDBOX_EGRESS_MODE=dns+bogus", kAllowStarAllowedRules});
    const auto status = process_->wait(5s);
    ASSERT_TRUE(status.has_value()) << process_->read_log();
    EXPECT_EQ(*status, 2);
    const std::string log = process_->read_log();
    EXPECT_NE(log.find(json_escaped(
                  "egress refused to start in strict mode: OPENSANDBOX_EGRESS_MODE=\"dns+bogus\": "
                  "not dns, dns+nft or nft+dns (without OPENSANDBOX_EGRESS_STRICT: using dns)")),
              std::string::npos)
        << log;
    EXPECT_EQ(nft_ruleset(*topology_).find("opensandbox"), std::string::npos);
}

TEST_F(EgressBinaryTest, StrictModeRefusesEveryFallbackAtOnce) {
    start({"OPENSANDBOX_EGRESS_STRICT=1", "OPENSANDBOX_EGRESS_NAMESERVER_EXEMPT=10.0.0.0/8",
           "OPENSANDBOX_EGRESS_DNS_UPSTREAM_TIMEOUT=500", "OPENSANDBOX_EGRESS_CLEANUP_ON_EXIT=ture"});
    ASSERT_EQ(process_->wait(5s), std::optional<int>(2)) << process_->read_log();
    const std::string log = process_->read_log();
    for (const char* named : {"OPENSANDBOX_EGRESS_NAMESERVER_EXEMPT=\\\"10.0.0.0/8\\\"",
                              "OPENSANDBOX_EGRESS_DNS_UPSTREAM_TIMEOUT=\\\"500\\\"",
                              "OPENSANDBOX_EGRESS_CLEANUP_ON_EXIT=\\\"ture\\\""}) {
        EXPECT_NE(log.find(named), std::string::npos) << named << "\n" << log;
    }
}

TEST_F(EgressBinaryTest, StrictModeStartsWhenEverySettingIsUsable) {
    start({"OPENSANDBOX_EGRESS_STRICT=true", "OPENSANDBOX_EGRESS_MODE=dns+nft", kAllowStarAllowedRules});
    ASSERT_TRUE(wait_until_serving()) << process_->read_log();
    EXPECT_EQ(query("other.test").rcode, harness::kRcodeNxDomain);
}

TEST_F(EgressBinaryTest, ABadRuleInTheEnvironmentIsNamedByVariableIndexAndField) {
    start({R"(OPENSANDBOX_EGRESS_RULES={"egress":[{"action":"allow","target":"a.test"},)"
           R"({"action":"allow","target":"b.test"},{"action":"deny","target":"1.2.3.4/33"}]})"});
    ASSERT_EQ(process_->wait(5s), std::optional<int>(1)) << process_->read_log();
    const std::string log = process_->read_log();
    EXPECT_NE(
        log.find(json_escaped("egress failed to start: OPENSANDBOX_EGRESS_RULES: rule 2 (egress[2].target): "
                              "invalid target \"1.2.3.4/33\": not a valid CIDR")),
        std::string::npos)
        << log;
}

TEST_F(EgressBinaryTest, AnInvalidPolicyFileFallsBackNamingItsPathAndRule) {
    const auto policy_file = work_dir_ / "policy.json";
    std::ofstream(policy_file) << R"({"egress":[{"action":"allow","target":"ok.test"},{"target":"a b"}]})";
    start({kAllowStarAllowedRules, "OPENSANDBOX_EGRESS_POLICY_FILE=" + policy_file.string()});
    ASSERT_TRUE(wait_until_serving()) << process_->read_log();
    const std::string log = process_->read_log();
    EXPECT_NE(log.find(json_escaped("egress policy file " + policy_file.string() +
                                    " is invalid: rule 1 (egress[1].target): invalid target \"a b\"")),
              std::string::npos)
        << log;
    EXPECT_NE(log.find("; falling back to OPENSANDBOX_EGRESS_RULES"), std::string::npos) << log;
}

TEST_F(EgressBinaryTest, StrictModeRefusesAnInvalidPolicyFile) {
    const auto policy_file = work_dir_ / "policy.json";
    std::ofstream(policy_file) << R"({"egress":[{"target":"a b"}]})";
    start({"OPENSANDBOX_EGRESS_STRICT=yes", kAllowStarAllowedRules,
           "OPENSANDBOX_EGRESS_POLICY_FILE=" + policy_file.string()});
    ASSERT_EQ(process_->wait(5s), std::optional<int>(2)) << process_->read_log();
    const std::string log = process_->read_log();
    EXPECT_NE(
        log.find(json_escaped("OPENSANDBOX_EGRESS_POLICY_FILE=\"" + policy_file.string() +
                              "\": the file is invalid: rule 0 (egress[0].target): invalid target \"a b\"")),
        std::string::npos)
        << log;
    EXPECT_EQ(nft_ruleset(*topology_).find("opensandbox"), std::string::npos);
}

}  // namespace
