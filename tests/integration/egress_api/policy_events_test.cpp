// The policy events of the real egress binary: egress.loaded at start, egress.updated after each
// applied change (with the request's rules delta), egress.update_failed for a refused one.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "egress_sidecar_fixture.hpp"
#include "harness/log_events.hpp"

namespace egress_api_test {
namespace {

using nlohmann::json;

class PolicyEventsTest : public EgressSidecarTest {
  protected:
    std::vector<json> events(const std::string& event) const {
        return harness::events_in(process_->read_log(), event);
    }
};

TEST_F(PolicyEventsTest, EveryChangeIsLoggedWithItsDelta) {
    start(
        {"OPENSANDBOX_EGRESS_MODE=dns+nft", "OPENSANDBOX_EGRESS_SANDBOX_ID=sbx-policy",
         R"(OPENSANDBOX_EGRESS_RULES={"defaultAction":"deny","egress":[{"action":"allow","target":"*.allowed.test"}]})"});
    const auto loaded = events("egress.loaded");
    ASSERT_EQ(loaded.size(), 1u) << process_->read_log();
    EXPECT_EQ(loaded[0].at("level"), "info");
    EXPECT_EQ(loaded[0].at("egress.default"), "deny");
    EXPECT_EQ(loaded[0].at("rules"), json::parse(R"([{"action":"allow","target":"*.allowed.test"}])"));
    EXPECT_EQ(loaded[0].at("sandbox_id"), "sbx-policy");

    ASSERT_EQ(call("POST", "/policy",
                   R"({"defaultAction":"allow","egress":[{"action":"deny","target":"www.blocked.test"},)"
                   R"({"action":"deny","target":"10.0.0.0/8"}]})")
                  .status,
              200);
    ASSERT_EQ(call("PATCH", "/policy", R"([{"action":"allow","target":"other.test"}])").status, 200);
    ASSERT_EQ(call("DELETE", "/policy", R"(["10.0.0.0/8"])").status, 200);
    const auto updated = events("egress.updated");
    ASSERT_EQ(updated.size(), 3u) << process_->read_log();
    for (const auto& line : updated) {
        EXPECT_EQ(line.at("level"), "info");
        EXPECT_EQ(line.at("msg"), "egress policy updated");
        EXPECT_EQ(line.at("egress.default"), "allow");
    }
    EXPECT_EQ(updated[0].at("rules"), json::parse(R"([{"action":"deny","target":"www.blocked.test"},)"
                                                  R"({"action":"deny","target":"10.0.0.0/8"}])"));
    EXPECT_EQ(updated[1].at("rules"), json::parse(R"([{"action":"allow","target":"other.test"}])"));
    EXPECT_EQ(updated[2].at("rules"), json::parse(R"([{"action":"deny","target":"10.0.0.0/8"}])"));
    EXPECT_TRUE(events("egress.update_failed").empty()) << process_->read_log();
}

TEST_F(PolicyEventsTest, ARefusedChangeIsAWarningCarryingTheAnswersText) {
    start({"OPENSANDBOX_EGRESS_MODE=dns"});
    const auto response = call("POST", "/policy", R"({"egress":[{"action":"allow","target":"1.2.3.4/33"}]})");
    ASSERT_EQ(response.status, 400);
    const auto failed = events("egress.update_failed");
    ASSERT_EQ(failed.size(), 1u) << process_->read_log();
    EXPECT_EQ(failed[0].at("level"), "warn");
    EXPECT_EQ(failed[0].at("msg"), "egress policy update failed");
    EXPECT_EQ(failed[0].at("error").get<std::string>() + "\n", response.body);
    EXPECT_TRUE(failed[0].at("error").get<std::string>().starts_with("invalid policy: "));
    EXPECT_TRUE(events("egress.updated").empty());
}

}  // namespace
}  // namespace egress_api_test
