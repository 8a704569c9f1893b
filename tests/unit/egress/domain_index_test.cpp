#include "policy/domain_index.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "policy/policy_json.hpp"
#include "policy/policy_snapshot.hpp"

namespace egress::policy {
namespace {

// The definition the index must reproduce: walk the rules in order, first matching name wins.
std::optional<DomainMatch> linear_match(const std::vector<Rule>& rules, std::string_view qname) {
    std::string name(qname);
    if (!name.empty() && name.back() == '.') {
        name.pop_back();
    }
    for (char& c : name) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    for (size_t i = 0; i < rules.size(); ++i) {
        const Target& target = rules[i].target;
        const bool matches = (target.kind == TargetKind::domain && name == target.text) ||
                             (target.kind == TargetKind::wildcard && name.ends_with(target.text.substr(1)) &&
                              name != target.text.substr(2));
        if (matches) {
            return DomainMatch{i, rules[i].action};
        }
    }
    return std::nullopt;
}

Action evaluate(const char* policy_json, std::string_view qname) {
    return PolicySnapshot(parse_policy(policy_json), {}).evaluate(qname);
}

struct MatchCase {
    const char* target;
    const char* query;
    bool matches;
};

TEST(DomainIndex, FollowsTheReferenceMatchingTable) {
    const MatchCase cases[] = {
        {"example.com", "example.com.", true},
        {"example.com", "EXAMPLE.com.", true},
        {"example.com", "example.com", true},
        {"example.com", "www.example.com.", false},
        {"*.example.com", "www.example.com.", true},
        {"*.example.com", "a.b.example.com.", true},
        {"*.example.com", "example.com.", false},
        {"*.example.com", "badexample.com.", false},
        {"Example.COM", "example.com.", true},
        // Upstream never matched a trailing-dot target; it is normalised here, so it does.
        {"example.com.", "example.com.", true},
        {"example.com", ".", false},
        {"example.com", "", false},
        {"example.com", "example.com..", false},
        {"1.2.3.4", "1.2.3.4", false},  // IP rules never take part in DNS decisions
        {"10.0.0.0/8", "10.0.0.1.", false},
    };
    for (const auto& c : cases) {
        const std::string policy =
            std::string(R"({"defaultAction":"deny","egress":[{"action":"allow","target":")") + c.target +
            "\"}]}";
        EXPECT_EQ(evaluate(policy.c_str(), c.query), c.matches ? Action::allow : Action::deny)
            << c.target << " vs " << c.query;
    }
}

TEST(DomainIndex, RootAndUnmatchedNamesGetTheDefaultAction) {
    const char* allow_default =
        R"({"defaultAction":"allow","egress":[{"action":"deny","target":"bad.example"}]})";
    EXPECT_EQ(evaluate(allow_default, "."), Action::allow);
    EXPECT_EQ(evaluate(allow_default, ""), Action::allow);
    EXPECT_EQ(evaluate(allow_default, "1.0.0.127.in-addr.arpa."), Action::allow);
    EXPECT_EQ(evaluate(allow_default, "BAD.example."), Action::deny);
    EXPECT_EQ(evaluate("{}", "anything.example."), Action::deny);
}

TEST(DomainIndex, FirstMatchWinsAcrossExactAndWildcardRules) {
    const char* wildcard_first =
        R"({"egress":[{"action":"allow","target":"*.example.com"},{"action":"deny","target":"api.example.com"}]})";
    EXPECT_EQ(evaluate(wildcard_first, "api.example.com."), Action::allow);
    const char* exact_first =
        R"({"egress":[{"action":"deny","target":"api.example.com"},{"action":"allow","target":"*.example.com"}]})";
    EXPECT_EQ(evaluate(exact_first, "api.example.com."), Action::deny);
    EXPECT_EQ(evaluate(exact_first, "www.example.com."), Action::allow);
    const char* nested =
        R"({"egress":[{"action":"deny","target":"*.a.example.com"},{"action":"allow","target":"*.example.com"}]})";
    EXPECT_EQ(evaluate(nested, "x.a.example.com"), Action::deny);
    EXPECT_EQ(evaluate(nested, "a.example.com"), Action::allow);
}

TEST(DomainIndex, ReportsTheRuleIndexAndKeepsTheFirstDuplicate) {
    const Policy policy = parse_policy(
        R"({"egress":[{"action":"allow","target":"10.0.0.0/8"},{"action":"deny","target":"a.example"},{"action":"allow","target":"a.example"}]})");
    const DomainIndex index(policy.rules);
    const auto found = index.match("A.Example.");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->rule_index, 1u);
    EXPECT_EQ(found->action, Action::deny);
    EXPECT_EQ(index.size(), 1u);
}

TEST(DomainIndex, AnswersOverlongNamesLikeTheDefinition) {
    const Policy policy = parse_policy(R"({"egress":[{"action":"allow","target":"*.example.com"}]})");
    const std::string overlong = std::string(300, 'a') + ".EXAMPLE.com";
    EXPECT_EQ(DomainIndex(policy.rules).match(overlong).has_value(),
              linear_match(policy.rules, overlong).has_value());
    EXPECT_TRUE(DomainIndex(policy.rules).match(overlong));
}

// Builds random rule lists and queries over a small label alphabet, so that exact, wildcard,
// apex, duplicate and shadowed rules collide often, and compares with the linear definition.
class RandomPolicies {
  public:
    explicit RandomPolicies(uint32_t seed) : random_(seed) {}

    std::string name(int max_labels) {
        static const char* labels[] = {"a", "b", "com", "example", "x-y", "_srv", "a0"};
        std::uniform_int_distribution<int> label_count(1, max_labels);
        std::uniform_int_distribution<size_t> pick(0, std::size(labels) - 1);
        std::string result = labels[pick(random_)];
        for (int i = label_count(random_); i > 1; --i) {
            result = std::string(labels[pick(random_)]) + "." + result;
        }
        return result;
    }

    std::vector<Rule> rules(size_t count) {
        std::vector<Rule> result;
        std::bernoulli_distribution wildcard(0.4);
        std::bernoulli_distribution allow(0.5);
        for (size_t i = 0; i < count; ++i) {
            const std::string target = (wildcard(random_) ? "*." : "") + name(3);
            result.push_back(make_rule(allow(random_) ? "allow" : "deny", target));
        }
        return result;
    }

    std::string query() {
        std::string result = name(5);
        std::bernoulli_distribution coin(0.3);
        if (coin(random_)) {
            result += ".";
        }
        if (coin(random_)) {
            result[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(result[0])));
        }
        return result;
    }

  private:
    std::mt19937 random_;
};

TEST(DomainIndex, AgreesWithTheLinearDefinitionOnRandomPolicies) {
    RandomPolicies random(20240601);
    size_t matched = 0;
    for (int round = 0; round < 300; ++round) {
        const std::vector<Rule> rules = random.rules(static_cast<size_t>(round % 40) + 1);
        const DomainIndex index(rules);
        for (int q = 0; q < 200; ++q) {
            const std::string qname = random.query();
            const auto expected = linear_match(rules, qname);
            const auto actual = index.match(qname);
            ASSERT_EQ(actual.has_value(), expected.has_value()) << qname;
            if (expected) {
                ++matched;
                ASSERT_EQ(actual->rule_index, expected->rule_index) << qname;
                ASSERT_EQ(actual->action, expected->action) << qname;
            }
        }
    }
    EXPECT_GT(matched, 1000u);  // the generator must actually exercise matches
}

}  // namespace
}  // namespace egress::policy
