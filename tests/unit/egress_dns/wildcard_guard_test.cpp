#include "policy/wildcard_guard.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "dns/new_name_budget.hpp"
#include "dns/snapshot_query_policy.hpp"
#include "policy/policy_error.hpp"
#include "policy/policy_json.hpp"

namespace egress::dns {
namespace {

using namespace std::chrono_literals;

constexpr uint16_t kTypeA = 1;
constexpr uint16_t kTypeAaaa = 28;
constexpr uint16_t kTypeTxt = 16;
constexpr uint16_t kTypeHttps = 65;

// Names real clients resolve under wildcards operators allow: package registries, CDNs, object
// stores, cloud APIs, code hosts, certificate validation records.
const std::vector<std::string> kRealNames = {
    "files.pythonhosted.org",
    "pypi.org",
    "registry.npmjs.org",
    "registry-1.docker.io",
    "production.cloudflare.docker.com",
    "auth.docker.io",
    "objects.githubusercontent.com",
    "raw.githubusercontent.com",
    "pkg-containers.githubusercontent.com",
    "codeload.github.com",
    "api.github.com",
    "deb.debian.org",
    "security.debian.org",
    "dl-cdn.alpinelinux.org",
    "proxy.golang.org",
    "sum.golang.org",
    "storage.googleapis.com",
    "oauth2.googleapis.com",
    "us-central1-aiplatform.googleapis.com",
    "my-training-data-bucket-2026.s3.us-east-1.amazonaws.com",
    "mytrainingdatabucketlogs.s3.amazonaws.com",
    "internationalizationtest.example.com",
    "s3.dualstack.eu-west-1.amazonaws.com",
    "sts.us-west-2.amazonaws.com",
    "bedrock-runtime.us-east-1.amazonaws.com",
    "internal-my-loadbalancer-1234567890.us-west-2.elb.amazonaws.com",
    "a1b2c3d4e5.execute-api.eu-central-1.amazonaws.com",
    "d111111abcdef8.cloudfront.net",
    "myaccount.blob.core.windows.net",
    "management.azure.com",
    "login.microsoftonline.com",
    "e1234.dscb.akamaiedge.net",
    "a248.e.akamai.net",
    "dualstack.python.map.fastly.net",
    "crates.io",
    "static.crates.io",
    "index.crates.io",
    "repo.maven.apache.org",
    "repo1.maven.org",
    "plugins.gradle.org",
    "huggingface.co",
    "cdn-lfs.huggingface.co",
    "cas-bridge.xethub.hf.co",
    "api.openai.com",
    "api.anthropic.com",
    "_3639ac514e785e898d2646601fa951d5.example.com",  // ACM DNS validation: 32 hex characters
    "cluster0.ab1cd.mongodb.net",
    "xn--bcher-kva.example.com",
    "ec2-203-0-113-25.compute-1.amazonaws.com",
    "ip-10-0-0-1.ec2.internal",
    "sentry.io",
    "o450000.ingest.sentry.io",
};

std::string random_base32(std::mt19937& random, size_t length) {
    static constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz234567";
    std::string text;
    for (size_t i = 0; i < length; ++i) {
        text += kAlphabet[random() % kAlphabet.size()];
    }
    return text;
}

// The rule a real name is allowed by: "*." + its last two labels, or the name when it has two.
std::string wildcard_of(const std::string& name) {
    const size_t last = name.rfind('.');
    const size_t second = name.rfind('.', last - 1);
    return second == std::string::npos ? name : "*." + name.substr(second + 1);
}

class WildcardGuardTest : public ::testing::Test {
  protected:
    // A policy allowing every corpus wildcard and *.tunnel.test, with `guard` as its wildcardGuard.
    void use_policy(const std::string& guard = "{}") {
        std::string rules =
            R"({"action":"allow","target":"*.tunnel.test"},{"action":"allow","target":"pypi.org"})";
        for (const auto& name : kRealNames) {
            rules += R"(,{"action":"allow","target":")" + wildcard_of(name) + R"("})";
        }
        const auto policy = policy::parse_policy(R"({"defaultAction":"deny","wildcardGuard":)" + guard +
                                                 R"(,"egress":[)" + rules + "]}");
        store_ = std::make_unique<policy::SnapshotStore>(policy::PolicySnapshot::make(policy));
        judge_ = std::make_unique<SnapshotQueryPolicy>(*store_, budget_);
    }

    NameJudgement judge(const std::string& name, uint16_t type = kTypeA) { return judge_->judge(name, type); }

    NewNameBudget budget_;
    std::unique_ptr<policy::SnapshotStore> store_;
    std::unique_ptr<SnapshotQueryPolicy> judge_;
};

TEST_F(WildcardGuardTest, RealNamesPassWithTheDefaults) {
    use_policy();
    for (const auto& name : kRealNames) {
        for (const uint16_t type : {kTypeA, kTypeAaaa, kTypeHttps}) {
            const auto judgement = judge(name, type);
            EXPECT_EQ(judgement.verdict, NameVerdict::allow)
                << name << " type " << type << ": over " << policy::to_string(judgement.over_limit);
        }
    }
}

TEST_F(WildcardGuardTest, DataInNamesIsStoppedWithinTheBudget) {
    use_policy();
    std::mt19937 random(7);
    // An exfiltration client: 5 000 bytes as base32 in 50-character labels, a new name per chunk.
    size_t through_entropy = 0;
    for (int chunk = 0; chunk < 100; ++chunk) {
        const std::string name = random_base32(random, 50) + ".c" + std::to_string(chunk) + ".tunnel.test";
        through_entropy += judge(name).verdict == NameVerdict::allow ? 1 : 0;
    }
    EXPECT_LE(through_entropy, 3u) << "random base32 of 50 characters scores above 4.2 but for 1 in 100";
    // The same client in short labels, below the entropy verdict: the new-name budget stops it, and
    // what got through above came out of the same budget.
    size_t through_budget = 0;
    for (int chunk = 0; chunk < 500; ++chunk) {
        through_budget +=
            judge(random_base32(random, 12) + ".tunnel.test").verdict == NameVerdict::allow ? 1 : 0;
    }
    EXPECT_EQ(through_entropy + through_budget, policy::WildcardGuardLimits{}.new_names_burst);
    EXPECT_EQ(judge("z" + random_base32(random, 12) + ".tunnel.test").over_limit,
              policy::GuardLimit::new_names);
    EXPECT_EQ(judge("www.tunnel.test").over_limit, policy::GuardLimit::new_names)
        << "a name not seen before waits for the budget too";
}

TEST_F(WildcardGuardTest, EachLimitHasItsVerdict) {
    use_policy();
    EXPECT_EQ(judge("www.tunnel.test", kTypeTxt).over_limit, policy::GuardLimit::query_type);
    EXPECT_EQ(judge(std::string(53, 'a') + ".tunnel.test").over_limit, policy::GuardLimit::label_length);
    std::string long_name;
    for (int i = 0; i < 5; ++i) {
        long_name += std::string(40, 'b') + ".";
    }
    EXPECT_EQ(judge(long_name + "tunnel.test").over_limit, policy::GuardLimit::name_length);
    EXPECT_EQ(judge("q7x2m9k4v8p3w6z5r1t0y8u2i4.tunnel.test").over_limit, policy::GuardLimit::entropy);
    EXPECT_EQ(judge("pypi.org", kTypeTxt).verdict, NameVerdict::allow) << "exact rules are not guarded";
    EXPECT_EQ(judge("www.tunnel.test").verdict, NameVerdict::allow);
}

TEST_F(WildcardGuardTest, AuditModeLetsItThroughAsWouldDeny) {
    const auto policy = policy::parse_policy(
        R"({"defaultAction":"deny","mode":"audit","egress":[{"action":"allow","target":"*.tunnel.test"}]})");
    store_ = std::make_unique<policy::SnapshotStore>(policy::PolicySnapshot::make(policy));
    judge_ = std::make_unique<SnapshotQueryPolicy>(*store_, budget_);
    const auto judgement = judge("www.tunnel.test", kTypeTxt);
    EXPECT_EQ(judgement.verdict, NameVerdict::would_deny);
    EXPECT_EQ(judgement.over_limit, policy::GuardLimit::query_type);
}

TEST_F(WildcardGuardTest, DisabledOrZeroLimitsLetEverythingThrough) {
    use_policy(R"({"enabled":false})");
    EXPECT_EQ(judge("www.tunnel.test", kTypeTxt).verdict, NameVerdict::allow);
    use_policy(
        R"({"queryTypes":[],"maxLabelLength":0,"maxNameLength":0,"newNamesPerMinute":0,"maxEntropy":0})");
    std::mt19937 random(3);
    for (int i = 0; i < 200; ++i) {
        EXPECT_EQ(judge(random_base32(random, 60) + ".tunnel.test", kTypeTxt).verdict, NameVerdict::allow);
    }
}

TEST(WildcardGuardLimits, ParseSerializeAndRefuseBadFields) {
    const auto limits = policy::parse_wildcard_guard(nlohmann::json::parse(
        R"({"querytypes":["a","TXT","type99"],"maxlabellength":30,"newnamesperminute":5,"maxentropy":3.5})"));
    EXPECT_EQ(limits.query_types, (std::vector<uint16_t>{1, 16, 99}));
    EXPECT_EQ(limits.max_label_length, 30u);
    EXPECT_EQ(limits.max_name_length, policy::WildcardGuardLimits{}.max_name_length);
    EXPECT_EQ(policy::wildcard_guard_to_json(limits).dump(),
              R"({"enabled":true,"queryTypes":["A","TXT","TYPE99"],"maxLabelLength":30,"maxNameLength":160,)"
              R"("newNamesPerMinute":5,"newNamesBurst":100,"maxEntropy":3.5})");
    const std::vector<std::pair<std::string, std::string>> bad = {
        {R"([])", "wildcardGuard must be an object, got array"},
        {R"({"enabled":"yes"})", "wildcardGuard.enabled must be a boolean, got string"},
        {R"({"querytypes":"A"})", "wildcardGuard.queryTypes must be an array of strings, got string"},
        {R"({"querytypes":["BOGUS"]})",
         "wildcardGuard.queryTypes[0]: unknown query type \"BOGUS\" (use A, AAAA, CNAME, HTTPS, ... or "
         "TYPE<n>)"},
        {R"({"maxlabellength":64})", "wildcardGuard.maxLabelLength must be an integer from 0 to 63"},
        {R"({"maxnamelength":-1})", "wildcardGuard.maxNameLength must be an integer from 0 to 253"},
        {R"({"maxentropy":9})", "wildcardGuard.maxEntropy must be a number from 0 to 8"},
    };
    for (const auto& [text, message] : bad) {
        try {
            policy::parse_wildcard_guard(nlohmann::json::parse(text));
            ADD_FAILURE() << text;
        } catch (const policy::PolicyError& error) {
            EXPECT_EQ(std::string(error.what()), message) << text;
        }
    }
}

TEST(WildcardGuardLimits, OnlyLimitsOtherThanTheDefaultsAreWrittenBack) {
    EXPECT_EQ(policy::serialize_policy(policy::parse_policy(R"({"defaultAction":"deny","egress":[]})")),
              R"({"egress":[],"defaultAction":"deny"})");
    const auto changed =
        policy::parse_policy(R"({"defaultAction":"deny","egress":[],"wildcardGuard":{"maxEntropy":3}})");
    EXPECT_NE(policy::serialize_policy(changed).find(R"("wildcardGuard":{"enabled":true)"),
              std::string::npos);
    EXPECT_EQ(policy::parse_policy(policy::serialize_policy(changed)), changed);
}

TEST(NewNameBudget, SeenNamesAreFreeAndNewOnesRefillAtTheRate) {
    NewNameBudget budget;
    const auto start = NewNameBudget::Clock::now();
    EXPECT_TRUE(budget.admit("*.a.test", "one.a.test", 60, 2, start));
    EXPECT_TRUE(budget.admit("*.a.test", "two.a.test", 60, 2, start));
    EXPECT_FALSE(budget.admit("*.a.test", "three.a.test", 60, 2, start));
    EXPECT_TRUE(budget.admit("*.a.test", "one.a.test", 60, 2, start)) << "seen lately";
    EXPECT_TRUE(budget.admit("*.b.test", "one.b.test", 60, 2, start)) << "each wildcard has its own";
    EXPECT_TRUE(budget.admit("*.a.test", "three.a.test", 60, 2, start + 1s)) << "one a second at 60/min";
    EXPECT_FALSE(budget.admit("*.a.test", "four.a.test", 60, 2, start + 1s));
}

}  // namespace
}  // namespace egress::dns
