// The deny webhook of the real binary, delivering to a receiver in the upstream namespace.
#include <signal.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "api/hmac_signature.hpp"
#include "egress_sidecar_fixture.hpp"
#include "harness/dns_types.hpp"
#include "harness/http_receiver.hpp"

namespace egress_api_test {
namespace {

using namespace std::chrono_literals;
using harness::kRcodeNxDomain;
using harness::Topology;

constexpr const char* kDenyDefault =
    "OPENSANDBOX_EGRESS_RULES={\"defaultAction\":\"deny\",\"egress\":[{\"action\":\"allow\",\"target\":\"*."
    "allowed."
    "test\"}]}";

class DenyWebhookTest : public EgressSidecarTest {
  protected:
    void SetUp() override {
        EgressSidecarTest::SetUp();
        if (!IsSkipped()) {
            receiver_ = std::make_unique<harness::HttpReceiver>(topology_->upstream(),
                                                                std::string(Topology::kUpstreamIpv4), 8000);
        }
    }
    void TearDown() override {
        process_.reset();  // before the receiver goes
        receiver_.reset();
        EgressSidecarTest::TearDown();
    }

    std::unique_ptr<harness::HttpReceiver> receiver_;
};

TEST_F(DenyWebhookTest, DeliversUpstreamsPayloadSigned) {
    start({kDenyDefault, "OPENSANDBOX_EGRESS_MODE=dns+nft",
           "OPENSANDBOX_EGRESS_DENY_WEBHOOK=http://10.77.0.1:8000/hook",
           "OPENSANDBOX_EGRESS_SANDBOX_ID=sbx-42", "OPENSANDBOX_EGRESS_DENY_WEBHOOK_SECRET=hmac-key"});
    EXPECT_EQ(resolve("Other.TEST.").rcode, kRcodeNxDomain);
    ASSERT_TRUE(receiver_->wait_for_requests(1, 5s)) << process_->read_log();
    const auto request = receiver_->requests().front();
    EXPECT_EQ(request.path, "/hook");
    EXPECT_EQ(request.header("Content-Type"), "application/json");
    EXPECT_EQ(request.header("X-OpenSandbox-Signature"),
              "sha256=" + egress::api::hmac_sha256_hex("hmac-key", request.body));
    const auto payload = nlohmann::ordered_json::parse(request.body);
    std::vector<std::string> keys;
    for (const auto& [key, value] : payload.items()) {
        keys.push_back(key);
    }
    EXPECT_EQ(keys, (std::vector<std::string>{"hostname", "timestamp", "source", "sandboxId", "count"}));
    EXPECT_EQ(payload["hostname"], "other.test");
    EXPECT_EQ(payload["source"], "opensandbox-egress");
    EXPECT_EQ(payload["sandboxId"], "sbx-42");
    EXPECT_EQ(payload["count"], 1);
    EXPECT_TRUE(std::regex_match(payload["timestamp"].get<std::string>(),
                                 std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")))
        << payload["timestamp"];
}

TEST_F(DenyWebhookTest, RepeatsWithinTheWindowAreCoalescedIntoOneCountedNotification) {
    start({kDenyDefault, "OPENSANDBOX_EGRESS_DENY_WEBHOOK=http://10.77.0.1:8000/",
           "OPENSANDBOX_EGRESS_DENY_WEBHOOK_WINDOW_SEC=1"});
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(resolve("other.test").rcode, kRcodeNxDomain);
    }
    ASSERT_TRUE(receiver_->wait_for_requests(2, 5s)) << process_->read_log();
    std::this_thread::sleep_for(1500ms);  // a third notification would have come by now
    const auto requests = receiver_->requests();
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(nlohmann::json::parse(requests[0].body)["count"], 1);
    EXPECT_EQ(nlohmann::json::parse(requests[1].body)["count"], 4);
    EXPECT_GE(requests[1].at - requests[0].at, 800ms) << "the repeats were not held for the window";
}

TEST_F(DenyWebhookTest, ServerErrorsAreRetriedAndClientErrorsAreNot) {
    receiver_->answer_with({500, 503, 200, 404});
    start({kDenyDefault, "OPENSANDBOX_EGRESS_DENY_WEBHOOK=http://10.77.0.1:8000/"});
    EXPECT_EQ(resolve("other.test").rcode, kRcodeNxDomain);
    ASSERT_TRUE(receiver_->wait_for_requests(3, 8s)) << process_->read_log();
    EXPECT_EQ(nlohmann::json::parse(receiver_->requests()[2].body)["hostname"], "other.test");

    EXPECT_EQ(resolve("www.blocked.test").rcode, kRcodeNxDomain);  // answered 404: not retried
    ASSERT_TRUE(receiver_->wait_for_requests(4, 5s));
    std::this_thread::sleep_for(1500ms);
    EXPECT_EQ(receiver_->requests().size(), 4u);
    const auto metrics = call("GET", "/metrics", {}, false, "").body;
    EXPECT_NE(metrics.find(R"(egress_webhook_deliveries_total{result="delivered"} 1)"), std::string::npos)
        << metrics;
    EXPECT_NE(metrics.find(R"(egress_webhook_deliveries_total{result="rejected"} 1)"), std::string::npos)
        << metrics;
}

// The webhook host is a denied name and the policy is deny-by-default with nft: the sidecar
// resolves it directly upstream with a marked socket, so delivery works and raises no deny event.
TEST_F(DenyWebhookTest, ADeniedWebhookHostIsStillReachedWithoutAFeedbackLoop) {
    start({kDenyDefault, "OPENSANDBOX_EGRESS_MODE=dns+nft",
           "OPENSANDBOX_EGRESS_DENY_WEBHOOK=http://hooks.denied.test:8000/events"});
    EXPECT_EQ(resolve("hooks.denied.test").rcode, kRcodeNxDomain) << "the workload must not resolve it";
    EXPECT_EQ(resolve("other.test").rcode, kRcodeNxDomain);
    ASSERT_TRUE(receiver_->wait_for_requests(2, 5s)) << process_->read_log();
    std::this_thread::sleep_for(1s);
    std::vector<std::string> hostnames;
    for (const auto& request : receiver_->requests()) {
        hostnames.push_back(nlohmann::json::parse(request.body)["hostname"]);
        EXPECT_EQ(request.header("Host"), "hooks.denied.test:8000");
    }
    EXPECT_EQ(hostnames, (std::vector<std::string>{"hooks.denied.test", "other.test"}))
        << "the sidecar's own lookups raised deny events";
    EXPECT_GE(upstream_->query_count("hooks.denied.test"), 1u) << "not resolved directly upstream";
}

TEST_F(DenyWebhookTest, ShutdownDoesNotWaitForASlowWebhook) {
    receiver_->set_delay(5s);  // the sidecar's request timeout
    start({kDenyDefault, "OPENSANDBOX_EGRESS_DENY_WEBHOOK=http://10.77.0.1:8000/"});
    EXPECT_EQ(resolve("other.test").rcode, kRcodeNxDomain);
    EXPECT_EQ(resolve("www.blocked.test").rcode, kRcodeNxDomain);
    ASSERT_TRUE(receiver_->wait_for_requests(1, 5s));
    const auto stopping = std::chrono::steady_clock::now();
    process_->signal(SIGTERM);
    const auto status = process_->wait(5s);
    ASSERT_TRUE(status.has_value()) << "egress hung on the webhook";
    EXPECT_EQ(*status, 0);
    EXPECT_LT(std::chrono::steady_clock::now() - stopping, 3s);
}

}  // namespace
}  // namespace egress_api_test
