// Decisions with their rule, audit mode, counters that survive changes, the address layer's
// explanation, the denied-name tally and suggestions.
#include <gtest/gtest.h>

#include "policy/address_decision.hpp"
#include "policy/denial_tally.hpp"
#include "policy/policy_json.hpp"
#include "policy/policy_snapshot.hpp"
#include "policy/suggestions.hpp"

namespace egress::policy {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<const PolicySnapshot> snapshot_of(std::string_view json, AlwaysRules overlay = {},
                                                  std::shared_ptr<RuleHits> hits = nullptr) {
    return PolicySnapshot::make(parse_policy(json), std::move(overlay), std::move(hits));
}

AlwaysRules overlay_of(std::string_view deny, std::string_view allow) {
    return {parse_always_file(deny, Action::deny, "deny.always"),
            parse_always_file(allow, Action::allow, "allow.always")};
}

common::IpAddress ip(const char* text) {
    return common::IpAddress::parse_or_throw(text);
}

TEST(PolicyDecisions, NameTheSourceAndTheIndexWithinIt) {
    const auto snapshot = snapshot_of(
        R"({"egress":[{"action":"allow","target":"*.a.test"},{"action":"deny","target":"b.test"}]})",
        overlay_of("x.test\n", "y.test\nz.test\n"));
    EXPECT_EQ(snapshot->decide("q.a.test"), (Decision{Verdict::allow, RuleSource::policy, 0}));
    EXPECT_EQ(snapshot->decide("b.test"), (Decision{Verdict::deny, RuleSource::policy, 1}));
    EXPECT_EQ(snapshot->decide("x.test"), (Decision{Verdict::deny, RuleSource::always_deny, 0}));
    EXPECT_EQ(snapshot->decide("Z.test."), (Decision{Verdict::allow, RuleSource::always_allow, 1}));
    EXPECT_EQ(snapshot->decide("c.test"), (Decision{Verdict::deny, RuleSource::default_action, 0}));
    EXPECT_EQ(snapshot->rule_of(snapshot->decide("b.test"))->target.text, "b.test");
    EXPECT_EQ(snapshot->rule_of(snapshot->decide("c.test")), nullptr);
}

TEST(PolicyDecisions, AuditModeTurnsThePolicysDenialsIntoWouldDenyButNotDenyAlways) {
    const auto snapshot = snapshot_of(R"({"mode":"Audit","egress":[{"action":"deny","target":"b.test"},)"
                                      R"({"action":"deny","target":"10.0.0.0/8"}]})",
                                      overlay_of("x.test\n192.0.2.0/24\n", ""));
    EXPECT_EQ(snapshot->decide("b.test").verdict, Verdict::would_deny);
    EXPECT_EQ(snapshot->decide("other.test").verdict, Verdict::would_deny);
    EXPECT_EQ(snapshot->decide("x.test").verdict, Verdict::deny);
    EXPECT_EQ(snapshot->evaluate("b.test"), Action::deny) << "a would-deny is not an allow";
    ASSERT_NE(snapshot->grant("b.test"), nullptr);
    EXPECT_TRUE(snapshot->grant("b.test")->every_port);
    EXPECT_EQ(snapshot->grant("x.test"), nullptr);
    const auto& sets = snapshot->static_ip_sets();
    ASSERT_EQ(sets.deny_v4.size(), 1u);
    EXPECT_EQ(sets.deny_v4[0].to_compact_string(), "192.0.2.0/24");
    ASSERT_EQ(sets.audit_v4.size(), 1u);
    EXPECT_EQ(sets.audit_v4[0].to_compact_string(), "10.0.0.0/8");
}

TEST(PolicyDecisions, AnAuditRuleIsAWouldDenyInEitherMode) {
    const auto snapshot = snapshot_of(
        R"({"egress":[{"action":"audit","target":"*.a.test"},{"action":"audit","target":"10.1.0.0/16"}]})");
    EXPECT_EQ(snapshot->decide("q.a.test"), (Decision{Verdict::would_deny, RuleSource::policy, 0}));
    EXPECT_EQ(snapshot->static_ip_sets().audit_v4.size(), 1u);
    EXPECT_TRUE(snapshot->static_ip_sets().deny_v4.empty());
    EXPECT_EQ(
        serialize_policy(snapshot->user_policy()),
        R"({"egress":[{"action":"audit","target":"*.a.test"},{"action":"audit","target":"10.1.0.0/16"}],"defaultAction":"deny"})");
}

TEST(PolicyDecisions, CountersFollowARuleAcrossChangesThatKeepIt) {
    auto hits = std::make_shared<RuleHits>();
    const auto before = snapshot_of(R"({"egress":[{"action":"allow","target":"a.test"}]})", {}, hits);
    before->count(before->decide("a.test"));
    before->count(before->decide("a.test"));
    const auto after = snapshot_of(
        R"({"egress":[{"action":"deny","target":"b.test"},{"action":"allow","target":"a.test"}]})", {}, hits);
    const Decision moved = after->decide("a.test");
    EXPECT_EQ(moved.rule_index, 1u);
    EXPECT_EQ(after->hit_counts(moved)->allowed.load(), 2u);
    EXPECT_EQ(after->rule_id_of(moved), before->rule_id_of(before->decide("a.test")));
    after->count(after->decide("nothing.test"));
    EXPECT_EQ(after->hit_counts(after->default_decision())->denied.load(), 1u);
}

TEST(PolicyDecisions, RuleIdsDifferByActionPortsAndSource) {
    const Rule allow = make_rule("allow", "a.test");
    EXPECT_NE(rule_id(allow, RuleSource::policy), rule_id(make_rule("deny", "a.test"), RuleSource::policy));
    EXPECT_NE(rule_id(allow, RuleSource::policy), rule_id(allow, RuleSource::always_allow));
    EXPECT_NE(rule_id(allow, RuleSource::policy),
              rule_id(make_rule("allow", "a.test", {{443}, {}}), RuleSource::policy));
    EXPECT_EQ(rule_id(allow, RuleSource::policy).size(), 16u);
}

TEST(AddressDecisions, FollowTheChainsOrder) {
    const auto snapshot = snapshot_of(R"({"egress":[{"action":"allow","target":"10.0.0.0/8"},)"
                                      R"({"action":"deny","target":"10.1.0.0/16","ports":[22]},)"
                                      R"({"action":"deny","target":"10.2.0.0/16"},)"
                                      R"({"action":"allow","target":"192.0.2.1","ports":[443]}]})");
    const ProtocolPort ssh{Protocol::tcp, 22};
    const ProtocolPort https{Protocol::tcp, 443};
    EXPECT_EQ(decide_address(*snapshot, ip("10.1.2.3"), ssh, false).decision.rule_index, 1u);
    EXPECT_EQ(decide_address(*snapshot, ip("10.1.2.3"), https, false).decision.verdict, Verdict::allow);
    EXPECT_EQ(decide_address(*snapshot, ip("10.2.0.1"), https, true).decision.rule_index, 2u)
        << "deny beats learned";
    EXPECT_EQ(decide_address(*snapshot, ip("192.0.2.1"), https, false).decision.rule_index, 3u);
    EXPECT_EQ(decide_address(*snapshot, ip("192.0.2.1"), ssh, false).layer, AddressLayer::none);
    EXPECT_EQ(decide_address(*snapshot, ip("192.0.2.1"), std::nullopt, false).layer, AddressLayer::none);
    EXPECT_EQ(decide_address(*snapshot, ip("198.51.100.1"), ssh, true).layer, AddressLayer::learned);
    EXPECT_EQ(decide_address(*snapshot, ip("10.0.0.1"), ProtocolPort{Protocol::udp, 53}, false).layer,
              AddressLayer::fixed);
}

TEST(DenialTally, KeepsTheStrongestNamesWithinItsCapacity) {
    DenialTally names(3, 3600s);
    const auto now = DenialTally::Clock::now();
    // Space-saving keeps every name seen more often than (all records) / capacity: 30 > 82 / 3.
    for (int i = 0; i < 30; ++i) {
        names.record("steady.test", Verdict::deny, now);
    }
    names.record("twice.test", Verdict::deny, now);
    names.record("twice.test", Verdict::would_deny, now);
    for (int i = 0; i < 50; ++i) {
        names.record("once" + std::to_string(i) + ".test", Verdict::deny, now);
    }
    const auto top = names.top(10, now);
    ASSERT_EQ(top.size(), 3u);
    EXPECT_EQ(top[0].key, "steady.test");
    EXPECT_EQ(top[0].count, 30u);
    EXPECT_EQ(names.size(), 3u);
    names.record("allowed.test", Verdict::allow, now);
    EXPECT_EQ(names.size(), 3u) << "allowed names are not denials";
}

TEST(DenialTally, OldDenialsDecay) {
    DenialTally names(10, 60s);
    const auto then = DenialTally::Clock::now();
    for (int i = 0; i < 8; ++i) {
        names.record("yesterday.test", Verdict::deny, then);
    }
    names.record("today.test", Verdict::deny, then + 10min);
    names.record("today.test", Verdict::deny, then + 10min);
    const auto top = names.top(10, then + 10min);
    EXPECT_EQ(top[0].key, "today.test");
    EXPECT_NEAR(top[1].score, 8.0 / 1024, 1e-6);  // ten half-lives
}

TEST(Suggestions, CollapseSiblingsOnlyWhereThereAreEnough) {
    const auto suggestions = suggest_allow_rules(
        {"a.svc.example.com", "b.svc.example.com", "c.svc.example.com", "svc.example.com", "one.example.org",
         "two.example.org", "a.co.uk", "b.co.uk", "c.co.uk", "a.com", "b.com", "c.com"});
    std::vector<std::string> targets;
    for (const auto& suggestion : suggestions) {
        targets.push_back(suggestion.rule.target.text);
    }
    EXPECT_EQ(targets, (std::vector<std::string>{"*.svc.example.com", "a.co.uk", "a.com", "b.co.uk", "b.com",
                                                 "c.co.uk", "c.com", "one.example.org", "svc.example.com",
                                                 "two.example.org"}));
    EXPECT_EQ(suggestions[0].admits,
              (std::vector<std::string>{"a.svc.example.com", "b.svc.example.com", "c.svc.example.com"}));
}

TEST(Suggestions, AdmitEveryNameGiven) {
    std::vector<std::string> denied;
    for (int i = 0; i < 40; ++i) {
        denied.push_back("n" + std::to_string(i) + "." + (i % 3 ? "a" : "b") + std::to_string(i % 7) +
                         ".example.net");
    }
    Policy policy;
    for (const auto& suggestion : suggest_allow_rules(denied)) {
        policy.rules.push_back(suggestion.rule);
    }
    const auto snapshot = PolicySnapshot::make(policy);
    for (const auto& name : denied) {
        EXPECT_EQ(snapshot->evaluate(name), Action::allow) << name;
    }
}

AuditedDestination destination(std::string_view address, std::optional<ProtocolPort> port = std::nullopt) {
    return {common::IpAddress::parse_or_throw(address), port};
}

TEST(AuditedDestinations, TallyKeysRoundTripAndOddTextIsRefused) {
    for (const auto& original :
         {destination("198.51.100.7", ProtocolPort{Protocol::tcp, 443}),
          destination("2001:db8::1", ProtocolPort{Protocol::udp, 53}), destination("203.0.113.9")}) {
        EXPECT_EQ(parse_tally_key(tally_key(original)), original) << tally_key(original);
    }
    EXPECT_EQ(tally_key(destination("198.51.100.7", ProtocolPort{Protocol::tcp, 443})),
              "198.51.100.7 tcp/443");
    for (const char* bad : {"", "example.test", "198.51.100.7 tcp", "198.51.100.7 sctp/1",
                            "198.51.100.7 tcp/0", "198.51.100.7 tcp/65536", "198.51.100.7 tcp/44x"}) {
        EXPECT_EQ(parse_tally_key(bad), std::nullopt) << bad;
    }
}

TEST(Suggestions, AddressRulesListThePortsSeenOrTheWholeAddress) {
    const auto suggestions = suggest_address_rules({
        destination("198.51.100.7", ProtocolPort{Protocol::tcp, 443}),
        destination("198.51.100.7", ProtocolPort{Protocol::tcp, 80}),
        destination("198.51.100.7", ProtocolPort{Protocol::udp, 53}),
        destination("203.0.113.9", ProtocolPort{Protocol::tcp, 22}),
        destination("203.0.113.9"),  // another protocol: the whole address
    });
    ASSERT_EQ(suggestions.size(), 3u);
    EXPECT_EQ(rule_to_json(suggestions[0].rule),
              nlohmann::ordered_json::parse(
                  R"({"action":"allow","target":"198.51.100.7","ports":[80,443],"protocol":"tcp"})"));
    EXPECT_EQ(suggestions[0].admits,
              (std::vector<std::string>{"198.51.100.7 tcp/443", "198.51.100.7 tcp/80"}));
    EXPECT_EQ(rule_to_json(suggestions[1].rule),
              nlohmann::ordered_json::parse(
                  R"({"action":"allow","target":"198.51.100.7","ports":[53],"protocol":"udp"})"));
    EXPECT_EQ(rule_to_json(suggestions[2].rule),
              nlohmann::ordered_json::parse(R"({"action":"allow","target":"203.0.113.9"})"));
    EXPECT_EQ(suggestions[2].admits, (std::vector<std::string>{"203.0.113.9", "203.0.113.9 tcp/22"}));
}

TEST(Suggestions, MorePortsThanARuleMayListAdmitTheWholeAddress) {
    std::vector<AuditedDestination> seen;
    for (uint16_t port = 1; port <= max_ports_per_rule + 1; ++port) {
        seen.push_back(destination("198.51.100.7", ProtocolPort{Protocol::tcp, port}));
    }
    const auto suggestions = suggest_address_rules(seen);
    ASSERT_EQ(suggestions.size(), 1u);
    EXPECT_FALSE(suggestions[0].rule.scope.scoped());
}

}  // namespace
}  // namespace egress::policy
