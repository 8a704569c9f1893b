// The structured events the policy API logs (opensandbox.event egress.updated / update_failed) and
// the start-up event egress.loaded.
#include "api/policy_events.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "../log_capture.hpp"
#include "api/policy_handlers.hpp"
#include "policy/policy_json.hpp"

namespace egress::api {
namespace {

using nlohmann::json;
using unit_test_support::DefaultLogCapture;

constexpr const char* kTwoRules =
    R"({"defaultAction":"deny","egress":[{"action":"allow","target":"*.allowed.test"},)"
    R"({"action":"deny","target":"10.0.0.0/8"}]})";

class PolicyEventsTest : public ::testing::Test {
  protected:
    PolicyEventsTest()
        : engine_({4, {}}, policy::parse_policy(kTwoRules), {},
                  [this](const std::shared_ptr<const policy::PolicySnapshot>&) {
                      if (fail_enforcement_) {
                          throw std::runtime_error("kernel says no");
                      }
                  }),
          handlers_(engine_, "dns+nft", metrics_) {}

    // The only event line of `event`; fails the test when there is not exactly one.
    json only(const std::string& event) {
        const auto lines = log_.events(event);
        EXPECT_EQ(lines.size(), 1u) << event;
        return lines.empty() ? json::object() : lines.front();
    }

    DefaultLogCapture log_;
    common::MetricsRegistry metrics_;
    bool fail_enforcement_ = false;
    policy::PolicyEngine engine_;
    PolicyHandlers handlers_;
};

TEST_F(PolicyEventsTest, LoadedListsTheInitialRules) {
    log_policy_loaded(engine_.current()->user_policy());
    const json line = only("egress.loaded");
    EXPECT_EQ(line.at("level"), "info");
    EXPECT_EQ(line.at("msg"), "egress policy loaded");
    EXPECT_EQ(line.at("egress.default"), "deny");
    EXPECT_EQ(line.at("rules"), json::parse(R"([{"action":"allow","target":"*.allowed.test"},)"
                                            R"({"action":"deny","target":"10.0.0.0/8"}])"));
}

TEST_F(PolicyEventsTest, PostLogsTheFullRuleListAndTheNewDefault) {
    ASSERT_EQ(
        handlers_.replace(R"({"defaultAction":"allow","egress":[{"action":"deny","target":"Bad.Test."}]})")
            .status,
        200);
    const json line = only("egress.updated");
    EXPECT_EQ(line.at("level"), "info");
    EXPECT_EQ(line.at("msg"), "egress policy updated");
    EXPECT_EQ(line.at("egress.default"), "allow");
    EXPECT_EQ(line.at("rules"), json::parse(R"([{"action":"deny","target":"bad.test"}])"));
}

TEST_F(PolicyEventsTest, PatchLogsThePatchListOnly) {
    ASSERT_EQ(handlers_.patch(R"([{"action":"deny","target":"x.allowed.test"}])").status, 200);
    const json line = only("egress.updated");
    EXPECT_EQ(line.at("egress.default"), "deny");
    EXPECT_EQ(line.at("rules"), json::parse(R"([{"action":"deny","target":"x.allowed.test"}])"));
}

TEST_F(PolicyEventsTest, DeleteLogsTheRemovedRules) {
    ASSERT_EQ(handlers_.remove(R"(["10.0.0.0/8","nothing.test"])").status, 200);
    const json line = only("egress.updated");
    EXPECT_EQ(line.at("rules"), json::parse(R"([{"action":"deny","target":"10.0.0.0/8"}])"));
    log_.clear();
    ASSERT_EQ(handlers_.remove(R"(["nothing.test"])").status, 200);
    EXPECT_TRUE(log_.events("egress.updated").empty()) << "nothing matched, nothing applied";
}

TEST_F(PolicyEventsTest, ResetLogsAnEmptyDelta) {
    ASSERT_EQ(handlers_.replace("").status, 200);
    const json line = only("egress.updated");
    EXPECT_EQ(line.at("egress.default"), "deny");
    EXPECT_EQ(line.at("rules"), json::array());
}

TEST_F(PolicyEventsTest, ValidationFailuresAreWarningsWithTheAnswersText) {
    const auto invalid = handlers_.replace(R"({"defaultAction":"maybe"})");
    const auto empty_patch = handlers_.patch(" ");
    const auto bad_delete = handlers_.remove("[42]");
    const auto too_many = handlers_.patch(
        R"([{"action":"allow","target":"a.test"},{"action":"allow","target":"b.test"},{"action":"allow","target":"c.test"}])");
    const auto lines = log_.events("egress.update_failed");
    ASSERT_EQ(lines.size(), 4u);
    const std::vector<ApiResponse> responses{invalid, empty_patch, bad_delete, too_many};
    for (size_t i = 0; i < lines.size(); ++i) {
        EXPECT_EQ(lines[i].at("level"), "warn");
        EXPECT_EQ(lines[i].at("msg"), "egress policy update failed");
        EXPECT_EQ(lines[i].at("error").get<std::string>() + "\n", responses[i].body);
    }
    EXPECT_EQ(lines[1].at("error"), "empty body");
    EXPECT_EQ(lines[3].at("error"), "egress rule total count 5 exceeds limit 4");
    EXPECT_TRUE(log_.events("egress.updated").empty());
}

TEST_F(PolicyEventsTest, CommitFailuresAreErrors) {
    fail_enforcement_ = true;
    ASSERT_EQ(handlers_.patch(R"([{"action":"allow","target":"x.test"}])").status, 500);
    const json line = only("egress.update_failed");
    EXPECT_EQ(line.at("level"), "error");
    EXPECT_EQ(line.at("error"), "failed to apply nftables policy: kernel says no");
    EXPECT_TRUE(log_.events("egress.updated").empty());
}

}  // namespace
}  // namespace egress::api
