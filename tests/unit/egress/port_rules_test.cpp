// Rules limited to ports: parsing and validation, PATCH keys, the port-scoped static sets and the
// grants of names.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "policy/policy_changes.hpp"
#include "policy/policy_error.hpp"
#include "policy/policy_json.hpp"
#include "policy/policy_snapshot.hpp"
#include "policy/static_ip_sets.hpp"

namespace egress::policy {
namespace {

std::string port_rule_error_of(std::string_view text) {
    try {
        parse_policy(text);
    } catch (const PolicyError& error) {
        return error.what();
    }
    return "(accepted)";
}

Policy policy_of(std::string_view rules, std::string_view default_action = "deny") {
    return parse_policy(R"({"defaultAction":")" + std::string(default_action) + R"(","egress":)" +
                        std::string(rules) + "}");
}

std::vector<std::string> ported_texts(const std::vector<PortedPrefix>& entries) {
    std::vector<std::string> result;
    for (const auto& entry : entries) {
        result.push_back(entry.prefix.to_compact_string() + " " + std::string(to_string(entry.protocol)) +
                         " " + std::to_string(entry.port));
    }
    return result;
}

TEST(PortRules, ParseKeepsTheUsersOrderAndDefaultsToTcp) {
    const Policy policy = policy_of(R"([{"action":"allow","target":"10.0.0.5","ports":[443,22]},)"
                                    R"({"action":"deny","ports":[25],"protocol":"UDP"}])");
    ASSERT_EQ(policy.rules.size(), 2u);
    EXPECT_EQ(policy.rules[0].scope, (PortScope{Protocol::tcp, {443, 22}}));
    EXPECT_EQ(policy.rules[1].target.kind, TargetKind::any);
    EXPECT_EQ(policy.rules[1].scope, (PortScope{Protocol::udp, {25}}));
    EXPECT_EQ(serialize_policy(policy),
              R"({"egress":[{"action":"allow","target":"10.0.0.5","ports":[443,22],"protocol":"tcp"},)"
              R"({"action":"deny","ports":[25],"protocol":"udp"}],"defaultAction":"deny"})");
    EXPECT_EQ(parse_policy(serialize_policy(policy)), policy);
}

TEST(PortRules, NullPortsAndProtocolMeanAnUnscopedRule) {
    const Policy policy = policy_of(R"([{"action":"allow","target":"a.test","ports":null,"protocol":null}])");
    EXPECT_FALSE(policy.rules[0].scope.scoped());
    EXPECT_EQ(serialize_policy(policy),
              R"({"egress":[{"action":"allow","target":"a.test"}],"defaultAction":"deny"})");
}

TEST(PortRules, RefusesWhatUpstreamRefusesWithItsMessages) {
    EXPECT_EQ(port_rule_error_of(R"({"egress":[{"target":"10.0.0.5","ports":[70000]}]})"),
              "egress target \"10.0.0.5\": port 70000 out of range 1-65535");
    EXPECT_EQ(port_rule_error_of(R"({"egress":[{"target":"10.0.0.5","ports":[1,1]}]})"),
              "egress target \"10.0.0.5\": duplicate port 1");
    EXPECT_EQ(port_rule_error_of(R"({"egress":[{"action":"deny"}]})"), "egress target cannot be empty");
    EXPECT_EQ(port_rule_error_of(R"({"egress":[{"ports":[18446744073709551615]}]})"),
              "egress target \"\": port 9223372036854775807 out of range 1-65535");
    EXPECT_EQ(port_rule_error_of(R"({"egress":[{"target":"10.0.0.5","ports":[1.5]}]})"),
              "egress[0].ports[0] must be an integer, got number");
    EXPECT_EQ(port_rule_error_of(R"({"egress":[{"target":"10.0.0.5","ports":443}]})"),
              "egress[0].ports must be an array of integers, got number");
    EXPECT_EQ(port_rule_error_of(R"({"egress":[{"target":"10.0.0.5","ports":[443],"protocol":7}]})"),
              "egress[0].protocol must be a string, got number");
    EXPECT_EQ(
        port_rule_error_of(R"({"egress":[{"action":"deny","target":"*.x.test","ports":[80]}]})"),
        "egress target \"*.x.test\": ports on a name need action \"allow\" (a name is answered or refused "
        "on every port)");
}

TEST(PortRules, PatchKeysOnTargetAndPortsSoOnlyTheSameScopeIsReplaced) {
    const Policy base = policy_of(R"([{"action":"allow","target":"a.test","ports":[443]},)"
                                  R"({"action":"allow","target":"a.test"}])");
    const auto patch =
        parse_rule_list(R"([{"action":"allow","target":"A.test.","ports":[443]},)"
                        R"({"action":"allow","target":"a.test","ports":[443],"protocol":"udp"}])");
    const Policy merged = merge_rules(base, patch);
    ASSERT_EQ(merged.rules.size(), 3u);  // tcp 443 replaced, udp 443 added, the unscoped one kept
    EXPECT_EQ(merged.rules[1].scope.protocol, Protocol::udp);
    EXPECT_FALSE(merged.rules[2].scope.scoped());
    // The same port set in another order is the same key.
    const Policy reordered =
        merge_rules(policy_of(R"([{"action":"allow","target":"a.test","ports":[1,2]}])"),
                    parse_rule_list(R"([{"action":"deny","target":"10.0.0.1","ports":[2,1]},)"
                                    R"({"action":"allow","target":"a.test","ports":[2,1]}])"));
    EXPECT_EQ(reordered.rules.size(), 2u);
}

TEST(PortRules, ScopedAddressRulesGoToThePortedSetsOnly) {
    const StaticIpSets sets =
        build_static_ip_sets(policy_of(R"([{"action":"allow","target":"10.0.0.0/8","ports":[443]},)"
                                       R"({"action":"allow","target":"10.1.0.0/16","ports":[443,80]},)"
                                       R"({"action":"allow","target":"10.2.0.0/16"},)"
                                       R"({"action":"deny","ports":[25]},)"
                                       R"({"action":"allow","target":"a.test","ports":[8443]}])")
                                 .rules);
    EXPECT_EQ(ported_texts(sets.ported_allow),
              (std::vector<std::string>{"10.1.0.0/16 tcp 80", "10.0.0.0/8 tcp 443"}));
    EXPECT_EQ(ported_texts(sets.ported_deny), (std::vector<std::string>{"0.0.0.0/0 tcp 25", "::/0 tcp 25"}));
    ASSERT_EQ(sets.allow_v4.size(), 1u);
    EXPECT_EQ(sets.allow_v4[0].to_compact_string(), "10.2.0.0/16");
}

TEST(PortRules, ANamesGrantIsTheUnionOfItsAllowRulesUpToTheFirstDeny) {
    const auto snapshot = PolicySnapshot::make(
        policy_of(R"([{"action":"allow","target":"a.test","ports":[443]},)"
                  R"({"action":"allow","target":"a.test","ports":[53],"protocol":"udp"},)"
                  R"({"action":"deny","target":"a.test"},)"
                  R"({"action":"allow","target":"a.test","ports":[80]},)"
                  R"({"action":"allow","target":"*.b.test","ports":[22]},)"
                  R"({"action":"allow","target":"*.b.test"},)"
                  R"({"action":"allow","target":"c.test"}])"));
    const NameGrant* a = snapshot->grant("A.test.");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(*a, (NameGrant{false, {{Protocol::tcp, 443}, {Protocol::udp, 53}}}));
    ASSERT_NE(snapshot->grant("x.b.test"), nullptr);
    EXPECT_TRUE(snapshot->grant("x.b.test")->every_port);
    ASSERT_NE(snapshot->grant("c.test"), nullptr);
    EXPECT_TRUE(snapshot->grant("c.test")->every_port);
    EXPECT_EQ(snapshot->grant("d.test"), nullptr);
    EXPECT_TRUE(PolicySnapshot::make(policy_of("[]", "allow"))->grant("d.test")->every_port);
}

TEST(PortRules, ADenyFirstLeavesTheNameDeniedWhateverAllowsFollow) {
    const auto snapshot =
        PolicySnapshot::make(policy_of(R"([{"action":"deny","target":"a.test"},)"
                                       R"({"action":"allow","target":"a.test","ports":[443]}])"));
    EXPECT_EQ(snapshot->grant("a.test"), nullptr);
    EXPECT_EQ(snapshot->evaluate("a.test"), Action::deny);
}

}  // namespace
}  // namespace egress::policy
