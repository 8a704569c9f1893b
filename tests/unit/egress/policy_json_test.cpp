#include "policy/policy_json.hpp"

#include <gtest/gtest.h>

#include <string>

#include "policy/policy_error.hpp"
#include "policy/policy_mode.hpp"

namespace egress::policy {
namespace {

std::string error_of(std::string_view text) {
    try {
        parse_policy(text);
    } catch (const PolicyError& error) {
        return error.what();
    }
    return "(accepted)";
}

TEST(ParsePolicy, EmptyNullAndEmptyObjectMeanDefaultDeny) {
    for (const char* text :
         {"", "   \n\t", "null", " null ", "{}", "{ }", "{\"unknown\":1}", "{\"egress\":null}"}) {
        const Policy policy = parse_policy(text);
        EXPECT_EQ(policy.default_action, Action::deny) << text;
        EXPECT_TRUE(policy.rules.empty()) << text;
        EXPECT_EQ(mode_of(policy), PolicyMode::deny_all) << text;
        EXPECT_EQ(serialize_policy(policy), R"({"egress":null,"defaultAction":"deny"})") << text;
    }
}

TEST(ParsePolicy, MissingOrEmptyDefaultActionMeansDeny) {
    EXPECT_EQ(parse_policy(R"({"defaultAction":""})").default_action, Action::deny);
    EXPECT_EQ(parse_policy(R"({"defaultAction":null})").default_action, Action::deny);
    const Policy policy = parse_policy(R"({"egress":[{"action":"allow","target":"pypi.org"}]})");
    EXPECT_EQ(policy.default_action, Action::deny);
    EXPECT_EQ(mode_of(policy), PolicyMode::enforcing);
}

TEST(ParsePolicy, ReadsTheReferenceExample) {
    const Policy policy = parse_policy(R"({
      "defaultAction": "deny",
      "egress": [
        {"action": "allow", "target": "pypi.org"},
        {"action": "allow", "target": "*.pythonhosted.org"},
        {"action": "allow", "target": "203.0.113.0/24"},
        {"action": "deny",  "target": "10.0.0.0/8"},
        {"action": "deny",  "target": "2001:db8::1"}
      ]
    })");
    ASSERT_EQ(policy.rules.size(), 5u);
    EXPECT_EQ(policy.rules[1].target.kind, TargetKind::wildcard);
    EXPECT_EQ(policy.rules[2].target.kind, TargetKind::cidr);
    EXPECT_EQ(policy.rules[4].target.kind, TargetKind::address);
    EXPECT_EQ(policy.rules[3].action, Action::deny);
}

TEST(ParsePolicy, MatchesKeysCaseInsensitivelyAndIgnoresUnknownOnes) {
    const Policy policy = parse_policy(
        R"({"DefaultAction":"ALLOW","EGRESS":[{"Action":"Deny","TARGET":"Bad.Example","comment":"x"}],"extra":{"a":[1]}})");
    EXPECT_EQ(policy.default_action, Action::allow);
    ASSERT_EQ(policy.rules.size(), 1u);
    EXPECT_EQ(policy.rules[0].action, Action::deny);
    EXPECT_EQ(policy.rules[0].target.text, "bad.example");
}

TEST(ParsePolicy, LastDuplicateKeyWinsWhateverItsCase) {
    EXPECT_EQ(parse_policy(R"({"defaultAction":"deny","DEFAULTACTION":"allow"})").default_action,
              Action::allow);
    EXPECT_EQ(parse_policy(R"({"DefaultAction":"allow","defaultAction":"deny"})").default_action,
              Action::deny);
    EXPECT_EQ(parse_policy(R"({"defaultAction":"bogus","defaultAction":"allow"})").default_action,
              Action::allow);
}

TEST(ParsePolicy, NullFieldsAreEmptyStrings) {
    const Policy policy = parse_policy(R"({"egress":[{"action":null,"target":"a.example"}]})");
    ASSERT_EQ(policy.rules.size(), 1u);
    EXPECT_EQ(policy.rules[0].action, Action::deny);
    EXPECT_EQ(error_of(R"({"egress":[{"action":"allow","target":null}]})"), "egress target cannot be empty");
    EXPECT_EQ(error_of(R"({"egress":[null]})"), "egress target cannot be empty");
}

TEST(ParsePolicy, KeepsUpstreamErrorWording) {
    EXPECT_EQ(error_of(R"({"egress":[{"action":"block","target":"a.example"}]})"),
              "unsupported action \"block\"");
    EXPECT_EQ(error_of(R"({"egress":[{"action":"allow","target":"  "}]})"), "egress target cannot be empty");
    EXPECT_EQ(error_of(R"({"egress":[{"action":"allow"}]})"), "egress target cannot be empty");
}

TEST(ParsePolicy, RejectsWhatUpstreamLetThrough) {
    EXPECT_EQ(error_of(R"({"defaultAction":"foo"})"),
              "unsupported defaultAction \"foo\" (use \"allow\" or \"deny\")");
    for (const char* target :
         {"1.2.3.4/33", "010.0.0.1", "fe80::1%eth0", "*", "foo.*.com", "*example.com", "a b"}) {
        const std::string body = std::string(R"({"egress":[{"action":"allow","target":")") + target + "\"}]}";
        EXPECT_EQ(error_of(body).rfind(std::string("invalid target \"") + target + "\"", 0), 0u)
            << error_of(body);
    }
}

TEST(ParsePolicy, ReportsWrongTypesWithThePath) {
    EXPECT_EQ(error_of(R"({"egress":[{"action":"allow","target":5}]})"),
              "egress[0].target must be a string, got number");
    EXPECT_EQ(error_of(R"({"egress":[{"action":"allow","target":"a.b"},"x"]})"),
              "egress[1] must be an object, got string");
    EXPECT_EQ(error_of(R"({"egress":{}})"), "egress must be an array of rules, got object");
    EXPECT_EQ(error_of(R"({"defaultAction":true})"), "defaultAction must be a string, got boolean");
    EXPECT_EQ(error_of("[]"), "the policy must be a JSON object, got array");
    EXPECT_EQ(error_of("\"deny\""), "the policy must be a JSON object, got string");
}

TEST(ParsePolicy, ReportsSyntaxErrorsAndDeepNesting) {
    EXPECT_EQ(error_of("{\"egress\":[").rfind("invalid JSON: parse error", 0), 0u)
        << error_of("{\"egress\":[");
    EXPECT_EQ(error_of("{} x").rfind("invalid JSON: ", 0), 0u);
    const std::string deep = "{\"x\":" + std::string(100, '[') + std::string(100, ']') + "}";
    EXPECT_EQ(error_of(deep), "invalid JSON: nesting deeper than 32 levels");
}

TEST(ParsePolicy, OneBadRuleRejectsThePolicy) {
    EXPECT_NE(
        error_of(R"({"egress":[{"action":"allow","target":"ok.example"},{"action":"x","target":"b"}]})"),
        "(accepted)");
}

TEST(SerializePolicy, WritesTheGetShape) {
    const Policy policy = parse_policy(
        R"({"defaultAction":"Allow","egress":[{"target":"Example.COM.","action":"deny"},{"action":"allow","target":"10.1.2.3/8"}]})");
    EXPECT_EQ(
        serialize_policy(policy),
        R"({"egress":[{"action":"deny","target":"example.com"},{"action":"allow","target":"10.0.0.0/8"}],)"
        R"("defaultAction":"allow"})");
    EXPECT_EQ(serialize_policy(parse_policy(R"({"egress":[]})")), R"({"egress":[],"defaultAction":"deny"})");
    EXPECT_EQ(serialize_policy(default_deny_policy()), R"({"egress":null,"defaultAction":"deny"})");
}

TEST(SerializePolicy, RoundTrips) {
    const Policy policy = parse_policy(
        R"({"defaultAction":"deny","egress":[{"action":"allow","target":"*.a.example"},{"action":"deny","target":"2001:db8::/32"}]})");
    EXPECT_EQ(parse_policy(serialize_policy(policy)), policy);
    EXPECT_EQ(parse_policy(serialize_policy_pretty(policy)), policy);
    EXPECT_EQ(serialize_policy_pretty(policy).back(), '\n');
}

TEST(ParseRuleList, AcceptsANonEmptyArray) {
    const auto rules =
        parse_rule_list(R"([{"action":"deny","target":"blocked.com"},{"Action":"allow","target":"a.b"}])");
    ASSERT_EQ(rules.size(), 2u);
    EXPECT_EQ(rules[1].action, Action::allow);
    for (const char* empty : {"[]", "null", " [ ] "}) {
        try {
            parse_rule_list(empty);
            ADD_FAILURE() << empty;
        } catch (const PolicyError& error) {
            EXPECT_STREQ(error.what(), "empty array");
        }
    }
    EXPECT_THROW(parse_rule_list(R"({"egress":[{"action":"allow","target":"a.b"}]})"), PolicyError);
    EXPECT_THROW(parse_rule_list(R"([{"action":"maybe","target":"a.b"}])"), PolicyError);
}

TEST(ParseTargetList, TrimsAndSkipsBlanks) {
    const auto targets = parse_target_list(R"([" *.Example.com ","", "1.2.3.4"])");
    ASSERT_EQ(targets.size(), 2u);
    EXPECT_EQ(targets[0], "*.Example.com");
    EXPECT_THROW(parse_target_list("[]"), PolicyError);
    EXPECT_THROW(parse_target_list("[1]"), PolicyError);
    EXPECT_THROW(parse_target_list("{}"), PolicyError);
}

}  // namespace
}  // namespace egress::policy
