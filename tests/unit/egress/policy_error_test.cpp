// Where in a policy an error is: the rule's index and field, for start-up and --check-policy
// messages, while what() (the HTTP API's text) stays as it was.
#include "policy/policy_error.hpp"

#include <gtest/gtest.h>

#include <string>

#include "policy/policy_json.hpp"

namespace egress::policy {
namespace {

PolicyError policy_error_of(std::string_view body) {
    try {
        parse_policy(body);
    } catch (const PolicyError& error) {
        return error;
    }
    return PolicyError("(accepted)");
}

std::string located_error_of(std::string_view body) {
    return located_message(policy_error_of(body));
}

TEST(PolicyErrorLocation, ABadTargetNamesTheRuleIndexAndField) {
    const PolicyError error = policy_error_of(
        R"({"egress":[{"action":"allow","target":"a.example"},{"action":"allow","target":"b.example"},)"
        R"({"action":"allow","target":"c.example"},{"action":"deny","target":"1.2.3.4/33"}]})");
    EXPECT_EQ(error.rule_index(), std::optional<size_t>(3));
    EXPECT_EQ(error.field(), "target");
    EXPECT_EQ(error.field_path(), "egress[3].target");
    EXPECT_EQ(std::string(error.what()),
              "invalid target \"1.2.3.4/33\": not a valid CIDR: prefix length must be 0-32");
    EXPECT_EQ(
        located_message(error),
        "rule 3 (egress[3].target): invalid target \"1.2.3.4/33\": not a valid CIDR: prefix length must "
        "be 0-32");
}

TEST(PolicyErrorLocation, EachKindOfRuleProblemNamesItsField) {
    EXPECT_EQ(located_error_of(R"({"egress":[{"action":"block","target":"x.test"}]})"),
              "rule 0 (egress[0].action): unsupported action \"block\"");
    EXPECT_EQ(located_error_of(R"({"egress":[{"action":"allow","target":"x.test"},{"action":"allow"}]})"),
              "rule 1 (egress[1].target): egress target cannot be empty");
    EXPECT_EQ(located_error_of(R"({"egress":[{"target":"10.0.0.5","ports":[80,0]}]})"),
              "rule 0 (egress[0].ports[1]): egress target \"10.0.0.5\": port 0 out of range 1-65535");
    EXPECT_EQ(located_error_of(R"({"egress":[{"target":"10.0.0.5","ports":[22,22]}]})"),
              "rule 0 (egress[0].ports[1]): egress target \"10.0.0.5\": duplicate port 22");
    EXPECT_EQ(located_error_of(R"({"egress":[{"target":"10.0.0.5","ports":[22],"protocol":"sctp"}]})"),
              "rule 0 (egress[0].protocol): egress target \"10.0.0.5\": unsupported protocol \"sctp\" (use "
              "\"tcp\" or \"udp\")");
    EXPECT_EQ(located_error_of(R"({"egress":[{"target":"10.0.0.5","protocol":"udp"}]})"),
              "rule 0 (egress[0].protocol): egress target \"10.0.0.5\": a protocol needs ports: list the "
              "ports it applies to");
    EXPECT_EQ(located_error_of(R"({"egress":[{"action":"audit","target":"x.test","ports":[443]}]})"),
              "rule 0 (egress[0].ports): egress target \"x.test\": an audit rule applies to every port (no "
              "ports)");
    EXPECT_EQ(located_error_of(R"({"egress":[{"action":"deny","target":"x.test","ports":[443]}]})"),
              "rule 0 (egress[0].ports): egress target \"x.test\": ports on a name need action \"allow\" (a "
              "name is answered or refused on every port)");
}

TEST(PolicyErrorLocation, TypeErrorsSayTheirPathOnce) {
    EXPECT_EQ(located_error_of(R"({"egress":[{"action":"allow","target":5}]})"),
              "rule 0 (egress[0].target): must be a string, got number");
    EXPECT_EQ(located_error_of(R"({"egress":[{"target":"a.b"},"x"]})"),
              "rule 1 (egress[1]): must be an object, got string");
    EXPECT_EQ(located_error_of(R"({"egress":[{"target":"10.0.0.5","ports":[1.5]}]})"),
              "rule 0 (egress[0].ports[0]): must be an integer, got number");
    EXPECT_EQ(located_error_of(R"({"egress":[{"target":"10.0.0.5","ports":443}]})"),
              "rule 0 (egress[0].ports): must be an array of integers, got number");
    EXPECT_EQ(located_error_of(R"({"egress":[{"target":"10.0.0.5","ports":[443],"protocol":7}]})"),
              "rule 0 (egress[0].protocol): must be a string, got number");
    // what() keeps the path, as the HTTP API answers it.
    EXPECT_EQ(std::string(policy_error_of(R"({"egress":[{"action":"allow","target":5}]})").what()),
              "egress[0].target must be a string, got number");
}

TEST(PolicyErrorLocation, ProblemsOutsideTheRulesAreNotPlaced) {
    for (const char* body : {R"({"defaultAction":"maybe"})", R"({"egress":{}})", "{\"egress\":[",
                             R"({"wildcardGuard":{"maxLabelLength":64}})"}) {
        const PolicyError error = policy_error_of(body);
        EXPECT_FALSE(error.rule_index().has_value()) << body;
        EXPECT_EQ(located_message(error), error.what()) << body;
    }
}

TEST(PolicyErrorLocation, APatchListPlacesItsRulesToo) {
    try {
        parse_rule_list(R"([{"action":"allow","target":"ok.test"},{"action":"allow","target":"a..b"}])");
        FAIL() << "accepted";
    } catch (const PolicyError& error) {
        EXPECT_EQ(located_message(error).rfind("rule 1 (rule[1].target): invalid target \"a..b\"", 0), 0u)
            << located_message(error);
    }
}

}  // namespace
}  // namespace egress::policy
