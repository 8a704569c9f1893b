#include "policy/policy_engine.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "policy/policy_error.hpp"
#include "policy/policy_file.hpp"
#include "policy/policy_json.hpp"
#include "temp_dir.hpp"

namespace egress::policy {
namespace {

using testing::TempDir;

class PolicyEngineTest : public ::testing::Test {
  protected:
    PolicyEngine make_engine(size_t max_rules = default_max_rules, AlwaysRules overlay = {}) {
        return PolicyEngine({max_rules, dir / "policy.json"}, parse_policy(initial), std::move(overlay),
                            [this](const std::shared_ptr<const PolicySnapshot>& snapshot) {
                                if (refuse_enforcement) {
                                    throw std::runtime_error("nft said no");
                                }
                                enforced.push_back(serialize_policy(snapshot->effective_policy()));
                            });
    }
    Policy saved_policy() { return load_initial_policy(dir / "policy.json", "", nullptr).policy; }

    TempDir dir;
    const char* initial =
        R"({"defaultAction":"deny","egress":[{"action":"allow","target":"example.com"},{"action":"deny","target":"*.example.com"}]})";
    bool refuse_enforcement = false;
    std::vector<std::string> enforced;
};

TEST_F(PolicyEngineTest, ReplaceEnforcesPublishesThenPersists) {
    auto engine = make_engine();
    const Policy next = parse_policy(R"({"defaultAction":"allow"})");
    const ChangeOutcome outcome = engine.replace(next);
    EXPECT_TRUE(outcome.changed);
    EXPECT_EQ(outcome.mode, PolicyMode::allow_all);
    EXPECT_TRUE(outcome.persist_error.empty());
    ASSERT_EQ(enforced.size(), 1u);
    EXPECT_EQ(engine.current()->user_policy(), next);
    EXPECT_EQ(saved_policy(), next);
}

TEST_F(PolicyEngineTest, RefusedEnforcementChangesNothingInMemoryOrOnDisk) {
    auto engine = make_engine();
    const auto before = engine.current();
    refuse_enforcement = true;
    EXPECT_THROW(engine.replace(parse_policy(R"({"defaultAction":"allow"})")), std::runtime_error);
    EXPECT_THROW(engine.patch(parse_rule_list(R"([{"action":"allow","target":"x.example"}])")),
                 std::runtime_error);
    EXPECT_EQ(engine.current(), before);
    EXPECT_FALSE(std::filesystem::exists(dir / "policy.json"));
}

TEST_F(PolicyEngineTest, PatchMergesAndKeepsDefaultAction) {
    auto engine = make_engine();
    engine.patch(parse_rule_list(
        R"([{"action":"deny","target":"blocked.com"},{"action":"allow","target":"example.com"}])"));
    EXPECT_EQ(
        serialize_policy(engine.current()->user_policy()),
        R"({"egress":[{"action":"deny","target":"blocked.com"},{"action":"allow","target":"example.com"},)"
        R"({"action":"deny","target":"*.example.com"}],"defaultAction":"deny"})");
    EXPECT_EQ(saved_policy(), engine.current()->user_policy());
}

TEST_F(PolicyEngineTest, RuleLimitRejectsReplaceAndPatch) {
    auto engine = make_engine(2);
    const auto before = engine.current();
    EXPECT_THROW(engine.patch(parse_rule_list(R"([{"action":"deny","target":"new.example"}])")),
                 RuleLimitError);
    EXPECT_THROW(engine.replace(parse_policy(
                     R"({"egress":[{"target":"a.example"},{"target":"b.example"},{"target":"c.example"}]})")),
                 RuleLimitError);
    // A patch that only overrides existing targets stays within the limit.
    EXPECT_NO_THROW(engine.patch(parse_rule_list(R"([{"action":"deny","target":"Example.com."}])")));
    EXPECT_NE(engine.current(), before);
    EXPECT_EQ(enforced.size(), 1u);
}

TEST_F(PolicyEngineTest, DeleteWithoutMatchDoesNotEnforceOrPersist) {
    auto engine = make_engine();
    const std::vector<std::string> absent{"nothing.example"};
    EXPECT_FALSE(engine.remove(absent).changed);
    EXPECT_TRUE(enforced.empty());
    EXPECT_FALSE(std::filesystem::exists(dir / "policy.json"));
    const std::vector<std::string> present{"*.EXAMPLE.com"};
    EXPECT_TRUE(engine.remove(present).changed);
    EXPECT_EQ(engine.current()->user_policy().rules.size(), 1u);
    EXPECT_EQ(saved_policy(), engine.current()->user_policy());
}

TEST_F(PolicyEngineTest, OverlayChangesAreEnforcedButNotPersisted) {
    auto engine = make_engine();
    AlwaysRules overlay;
    overlay.deny = parse_always_file("example.com\n", Action::deny, "deny.always");
    EXPECT_TRUE(engine.set_overlay(overlay).changed);
    EXPECT_FALSE(engine.set_overlay(overlay).changed);
    EXPECT_EQ(enforced.size(), 1u);
    EXPECT_EQ(engine.current()->evaluate("example.com."), Action::deny);
    EXPECT_FALSE(std::filesystem::exists(dir / "policy.json"));
    // A later user change keeps the overlay in force.
    engine.replace(parse_policy(R"({"defaultAction":"allow"})"));
    EXPECT_EQ(engine.current()->evaluate("example.com."), Action::deny);
    EXPECT_EQ(engine.current()->evaluate("other.example."), Action::allow);
}

TEST_F(PolicyEngineTest, PersistFailureIsReportedAfterTheChangeWasApplied) {
    PolicyEngine engine({default_max_rules, dir / "missing-dir" / "policy.json"}, default_deny_policy(), {},
                        nullptr);
    const ChangeOutcome outcome = engine.replace(parse_policy(R"({"defaultAction":"allow"})"));
    EXPECT_TRUE(outcome.changed);
    EXPECT_FALSE(outcome.persist_error.empty());
    EXPECT_EQ(engine.current()->user_policy().default_action, Action::allow);
}

}  // namespace
}  // namespace egress::policy
