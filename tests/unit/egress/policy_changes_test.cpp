#include "policy/policy_changes.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "policy/policy_error.hpp"
#include "policy/policy_json.hpp"
#include "policy/policy_mode.hpp"

namespace egress::policy {
namespace {

std::vector<std::string> summary(const Policy& policy) {
    std::vector<std::string> result;
    for (const Rule& rule : policy.rules) {
        result.push_back(std::string(to_string(rule.action)) + " " + rule.target.text);
    }
    return result;
}

TEST(MergeRules, MatchesTheUpstreamPatchFixture) {
    const Policy base = parse_policy(
        R"({"defaultAction":"deny","egress":[{"action":"allow","target":"example.com"},{"action":"deny","target":"*.example.com"}]})");
    const auto patch = parse_rule_list(
        R"([{"action":"deny","target":"blocked.com"},{"action":"allow","target":"example.com"}])");
    const Policy merged = merge_rules(base, patch);
    EXPECT_EQ(summary(merged),
              (std::vector<std::string>{"deny blocked.com", "allow example.com", "deny *.example.com"}));
    EXPECT_EQ(merged.default_action, Action::deny);
}

TEST(MergeRules, PatchOverridesBaseByNormalisedTargetAndFirstDuplicateWins) {
    const Policy base = parse_policy(
        R"({"defaultAction":"allow","egress":[{"action":"allow","target":"Example.COM"},{"action":"deny","target":"10.1.2.3/8"},{"action":"deny","target":"keep.me"}]})");
    const auto patch = parse_rule_list(
        R"([{"action":"deny","target":"example.com."},{"action":"allow","target":"EXAMPLE.com"},{"action":"allow","target":"10.0.0.0/8"}])");
    const Policy merged = merge_rules(base, patch);
    EXPECT_EQ(summary(merged),
              (std::vector<std::string>{"deny example.com", "allow 10.0.0.0/8", "deny keep.me"}));
    EXPECT_EQ(merged.default_action, Action::allow);
}

TEST(MergeRules, PrependingLetsASpecificRuleOverrideAWildcardEitherWay) {
    const Policy deny_wildcard =
        parse_policy(R"({"defaultAction":"allow","egress":[{"action":"deny","target":"*.cloudflare.com"}]})");
    const Policy merged =
        merge_rules(deny_wildcard, parse_rule_list(R"([{"action":"allow","target":"www.cloudflare.com"}])"));
    EXPECT_EQ(summary(merged),
              (std::vector<std::string>{"allow www.cloudflare.com", "deny *.cloudflare.com"}));
}

TEST(DeleteTargets, RemovesEveryRuleWithANormalisedMatch) {
    const Policy base = parse_policy(
        R"({"egress":[{"action":"allow","target":"a.example"},{"action":"deny","target":"*.example.com"},{"action":"allow","target":"10.0.0.0/8"}]})");
    const std::vector<std::string> targets{" *.EXAMPLE.com. ", "", "10.9.9.9/8"};
    const DeletionResult result = delete_targets(base, targets);
    EXPECT_EQ(result.removed_count, 2u);
    EXPECT_EQ(summary(result.policy), (std::vector<std::string>{"allow a.example"}));
}

TEST(DeleteTargets, NoMatchLeavesThePolicyAlone) {
    const Policy base = parse_policy(R"({"egress":[{"action":"allow","target":"a.example"}]})");
    const std::vector<std::string> targets{"b.example"};
    const DeletionResult result = delete_targets(base, targets);
    EXPECT_EQ(result.removed_count, 0u);
    EXPECT_EQ(result.policy, base);
}

TEST(DeleteTargets, RejectsMalformedTargets) {
    const Policy base = parse_policy(R"({"egress":[{"action":"allow","target":"a.example"}]})");
    const std::vector<std::string> targets{"a.example", "1.2.3.4/33"};
    EXPECT_THROW(delete_targets(base, targets), PolicyError);
}

TEST(DeleteTargets, RemovingTheLastRuleLeavesAnEmptyList) {
    const Policy base =
        parse_policy(R"({"defaultAction":"allow","egress":[{"action":"deny","target":"a.example"}]})");
    const std::vector<std::string> targets{"a.example"};
    const Policy after = delete_targets(base, targets).policy;
    EXPECT_EQ(serialize_policy(after), R"({"egress":[],"defaultAction":"allow"})");
    EXPECT_EQ(mode_of(after), PolicyMode::allow_all);
}

TEST(RuleLimit, AcceptsUpToTheLimitAndZeroMeansUnlimited) {
    Policy policy;
    for (int i = 0; i < 5; ++i) {
        policy.rules.push_back(make_rule("allow", "h" + std::to_string(i) + ".example"));
    }
    EXPECT_NO_THROW(check_rule_limit(policy, 5));
    EXPECT_NO_THROW(check_rule_limit(policy, 0));
    try {
        check_rule_limit(policy, 4);
        ADD_FAILURE() << "limit not enforced";
    } catch (const RuleLimitError& error) {
        EXPECT_STREQ(error.what(), "egress rule total count 5 exceeds limit 4");
    }
}

TEST(RuleLimit, ParsesTheEnvironmentValueLikeUpstream) {
    EXPECT_EQ(parse_max_rules(""), default_max_rules);
    EXPECT_EQ(parse_max_rules("0"), 0u);
    EXPECT_EQ(parse_max_rules(" 10 "), 10u);
    EXPECT_EQ(parse_max_rules("-1"), default_max_rules);
    EXPECT_EQ(parse_max_rules("12abc"), default_max_rules);
    EXPECT_EQ(parse_max_rules("many"), default_max_rules);
}

TEST(PolicyMode, FollowsUpstream) {
    EXPECT_EQ(mode_of(parse_policy("")), PolicyMode::deny_all);
    EXPECT_EQ(mode_of(parse_policy(R"({"defaultAction":"allow"})")), PolicyMode::allow_all);
    EXPECT_EQ(mode_of(parse_policy(R"({"defaultAction":"allow","egress":[]})")), PolicyMode::allow_all);
    EXPECT_EQ(mode_of(parse_policy(R"({"defaultAction":"deny","egress":[{"target":"a.b"}]})")),
              PolicyMode::enforcing);
    EXPECT_EQ(mode_of(parse_policy(R"({"defaultAction":"allow","egress":[{"target":"a.b"}]})")),
              PolicyMode::enforcing);
    EXPECT_EQ(to_string(PolicyMode::deny_all), "deny_all");
    EXPECT_EQ(to_string(PolicyMode::allow_all), "allow_all");
    EXPECT_EQ(to_string(PolicyMode::enforcing), "enforcing");
}

}  // namespace
}  // namespace egress::policy
