#include "api/policy_handlers.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "policy/policy_json.hpp"

namespace egress::api {
namespace {

constexpr const char* kAllowStarAllowed =
    R"({"defaultAction":"deny","egress":[{"action":"allow","target":"*.allowed.test"}]})";

// A real engine; its enforcement hook fails on demand (fault injection for the nft layer).
class PolicyHandlersTest : public ::testing::Test {
  protected:
    PolicyHandlersTest()
        : engine_({3, {}}, policy::parse_policy(kAllowStarAllowed), {},
                  [this](const std::shared_ptr<const policy::PolicySnapshot>&) {
                      ++enforced_;
                      if (fail_enforcement_) {
                          throw std::runtime_error("kernel says no");
                      }
                  }),
          handlers_(engine_, "dns+nft", metrics_) {}

    std::string user_policy() { return policy::serialize_policy(engine_.current()->user_policy()); }

    common::MetricsRegistry metrics_;
    bool fail_enforcement_ = false;
    int enforced_ = 0;
    policy::PolicyEngine engine_;
    PolicyHandlers handlers_;
};

TEST_F(PolicyHandlersTest, GetShowsTheUserPolicy) {
    const auto response = handlers_.get();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.content_type, "application/json");
    EXPECT_EQ(
        response.body,
        R"({"status":"ok","mode":"enforcing","enforcementMode":"dns+nft","policy":{"egress":[{"action":"allow",)"
        R"("target":"*.allowed.test"}],"defaultAction":"deny"}})"
        "\n");
}

TEST_F(PolicyHandlersTest, AFailedEnforcementIs500AndChangesNothing) {
    const std::string before = user_policy();
    fail_enforcement_ = true;
    for (auto response : {handlers_.replace(R"({"defaultAction":"allow"})"),
                          handlers_.patch(R"([{"action":"allow","target":"x.test"}])"),
                          handlers_.remove(R"(["*.allowed.test"])")}) {
        EXPECT_EQ(response.status, 500);
        EXPECT_EQ(response.body, "failed to apply nftables policy: kernel says no\n");
        EXPECT_EQ(response.content_type, "text/plain; charset=utf-8");
    }
    EXPECT_EQ(handlers_.replace("  ").body, "failed to apply nftables: kernel says no\n") << "reset wording";
    EXPECT_EQ(user_policy(), before);
    EXPECT_NE(metrics_.render().find(
                  R"(egress_policy_updates_total{operation="patch",result="enforcement_failed"} 1)"),
              std::string::npos);
}

TEST_F(PolicyHandlersTest, InvalidInputIs400AndNeverReachesEnforcement) {
    const int before = enforced_;
    EXPECT_EQ(handlers_.replace("{").status, 400);
    EXPECT_TRUE(handlers_.replace(R"({"egress":[{"action":"allow","target":"1.2.3.4/33"}]})")
                    .body.starts_with("invalid policy: "));
    EXPECT_EQ(handlers_.patch(R"([{"action":"allow","target":""}])").status, 400);
    EXPECT_EQ(handlers_.remove(R"([42])").status, 400);
    EXPECT_EQ(handlers_.remove(R"(["*"])").status, 400);
    EXPECT_EQ(enforced_, before);
}

TEST_F(PolicyHandlersTest, TooManyRulesIs413) {
    const auto response = handlers_.patch(
        R"([{"action":"allow","target":"a.test"},{"action":"allow","target":"b.test"},{"action":"allow","target":"c.test"}])");
    EXPECT_EQ(response.status, 413);
    EXPECT_EQ(response.body, "egress rule total count 4 exceeds limit 3\n");
}

TEST_F(PolicyHandlersTest, PatchPrependsAndDeleteRemoves) {
    EXPECT_EQ(handlers_.patch(R"([{"action":"deny","target":"www.allowed.test"}])").status, 200);
    EXPECT_EQ(
        user_policy(),
        R"({"egress":[{"action":"deny","target":"www.allowed.test"},{"action":"allow","target":"*.allowed.test"}],)"
        R"("defaultAction":"deny"})");
    EXPECT_EQ(handlers_.remove(R"(["WWW.ALLOWED.TEST"])").status, 200);
    EXPECT_EQ(engine_.current()->user_policy().rules.size(), 1u);
}

}  // namespace
}  // namespace egress::api
