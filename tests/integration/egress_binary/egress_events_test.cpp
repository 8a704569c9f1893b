// The real egress binary's structured log events about queries (egress.outbound, egress.denied),
// log_skip.always and the rate limit on per-query lines.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <thread>

#include "egress_binary_fixture.hpp"
#include "harness/http_client.hpp"
#include "harness/log_events.hpp"

namespace {

using namespace egress_binary_test;
using namespace std::chrono_literals;
using harness::events_for;
using harness::events_in;
using nlohmann::json;

class EgressEventsTest : public EgressBinaryTest {
  protected:
    void write_log_skip(const std::string& content) {
        std::ofstream(work_dir_ / "rules" / "log_skip.always") << content;
    }

    // Polls the log until `predicate` holds for it, or 5 s pass; returns the last log read.
    template <typename Predicate>
    std::string log_once(Predicate predicate) {
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        std::string log = process_->read_log();
        while (!predicate(log) && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(50ms);
            log = process_->read_log();
        }
        return log;
    }

    uint64_t suppressed_outbound_lines() {
        harness::HttpRequest request;
        request.url = "http://127.0.0.1:18080/metrics";
        const auto response = harness::http_request(topology_->sandbox(), request);
        std::smatch match;
        static const std::regex kLine(
            R"re(egress_log_events_suppressed_total\{event="egress.outbound"\} (\d+))re");
        if (!std::regex_search(response.body, match, kLine)) {
            ADD_FAILURE() << "no suppressed-lines metric in:\n" << response.body;
            return 0;
        }
        return std::stoull(match[1]);
    }
};

TEST_F(EgressEventsTest, OutboundAndDeniedEventsCarryTheirFieldsAndTheRootFields) {
    start({"OPENSANDBOX_EGRESS_MODE=dns", std::string("OPENSANDBOX_EGRESS_RULES=") + kAllowStarAllowed,
           "OPENSANDBOX_EGRESS_SANDBOX_ID=sbx-events",
           "OPENSANDBOX_EGRESS_METRICS_EXTRA_ATTRS=team=blue,tier=2"});
    ASSERT_TRUE(wait_until_serving()) << process_->read_log();
    ASSERT_EQ(query("WWW.Allowed.Test").rcode, harness::kRcodeNoError);
    ASSERT_EQ(query("other.test").rcode, harness::kRcodeNxDomain);
    const std::string log =
        log_once([](const std::string& text) { return !events_in(text, "egress.denied").empty(); });

    const auto outbound = events_for(log, "egress.outbound", "www.allowed.test");
    ASSERT_FALSE(outbound.empty()) << log;
    EXPECT_EQ(outbound.back().at("level"), "info");
    EXPECT_EQ(outbound.back().at("msg"), "egress outbound");
    EXPECT_EQ(outbound.back().at("logger"), "opensandbox.egress");
    EXPECT_EQ(outbound.back().at("target.ips"), json::array({"198.51.100.10"}));
    EXPECT_EQ(outbound.back().at("sandbox_id"), "sbx-events");
    EXPECT_EQ(outbound.back().at("team"), "blue");
    EXPECT_EQ(outbound.back().at("tier"), "2");
    EXPECT_FALSE(outbound.back().contains("error"));

    const auto denied = events_for(log, "egress.denied", "other.test");
    ASSERT_EQ(denied.size(), 1u) << log;
    EXPECT_EQ(denied[0].at("level"), "warn");
    EXPECT_EQ(denied[0].at("sandbox_id"), "sbx-events");
    EXPECT_TRUE(events_for(log, "egress.outbound", "other.test").empty())
        << "a denied name is never forwarded";

    const auto loaded = events_in(log, "egress.loaded");
    ASSERT_EQ(loaded.size(), 1u) << log;
    EXPECT_EQ(loaded[0].at("msg"), "egress policy loaded");
    EXPECT_EQ(loaded[0].at("egress.default"), "deny");
    EXPECT_EQ(loaded[0].at("rules"), json::parse(R"([{"action":"allow","target":"*.allowed.test"}])"));
}

TEST_F(EgressEventsTest, LogSkipHidesSuccessfulOutboundLinesButNeverErrors) {
    write_log_skip("# noisy\nwww.allowed.test\n");
    start({"OPENSANDBOX_EGRESS_MODE=dns", std::string("OPENSANDBOX_EGRESS_RULES=") + kAllowStarAllowed});
    ASSERT_TRUE(wait_until_serving()) << process_->read_log();
    ASSERT_EQ(query("denied.allowed.test").rcode, harness::kRcodeNoError);  // allowed by *.allowed.test
    upstream_->set_failure_mode(harness::DnsFailureMode::servfail);
    ASSERT_EQ(query("www.allowed.test").rcode, harness::kRcodeServFail);
    const std::string log = log_once([](const std::string& text) {
        return !events_for(text, "egress.outbound", "www.allowed.test").empty() &&
               !events_for(text, "egress.outbound", "denied.allowed.test").empty();
    });
    EXPECT_NE(log.find("loaded 1 outbound log skip pattern(s) from " +
                       (work_dir_ / "rules" / "log_skip.always").string()),
              std::string::npos)
        << log;
    const auto skipped = events_for(log, "egress.outbound", "www.allowed.test");
    ASSERT_EQ(skipped.size(), 1u) << "only the failed lookup is logged\n" << log;
    EXPECT_TRUE(skipped[0].contains("error")) << skipped[0].dump();
    EXPECT_FALSE(skipped[0].contains("target.ips"));
    EXPECT_EQ(events_for(log, "egress.outbound", "denied.allowed.test").size(), 1u) << log;
}

TEST_F(EgressEventsTest, ABadLogSkipFileStopsTheStartWithUpstreamsMessage) {
    write_log_skip("ok.test\n10.0.0.0/8\n");
    start({"OPENSANDBOX_EGRESS_MODE=dns", std::string("OPENSANDBOX_EGRESS_RULES=") + kAllowStarAllowed});
    const auto status = process_->wait(5s);
    ASSERT_TRUE(status.has_value()) << process_->read_log();
    EXPECT_NE(*status, 0);
    const std::string expected =
        "failed to load outbound log skip file: " + (work_dir_ / "rules" / "log_skip.always").string() +
        " line 2: \\\"10.0.0.0/8\\\" is not a domain pattern; only host/domain entries "
        "are supported";
    EXPECT_NE(process_->read_log().find(expected), std::string::npos) << process_->read_log();
}

TEST_F(EgressEventsTest, ABurstOfQueriesIsLoggedWithinTheRateAndTheRestCounted) {
    constexpr int kRate = 20;
    constexpr int kBurst = 400;
    start({"OPENSANDBOX_EGRESS_MODE=dns", std::string("OPENSANDBOX_EGRESS_RULES=") + kAllowStarAllowed,
           "OPENSANDBOX_EGRESS_EVENT_LOG_RATE=" + std::to_string(kRate)});
    ASSERT_TRUE(wait_until_serving()) << process_->read_log();
    std::this_thread::sleep_for(1100ms);  // a fresh budget second for the burst
    const size_t before = events_in(process_->read_log(), "egress.outbound").size();
    const uint64_t suppressed_before = suppressed_outbound_lines();

    const auto started = std::chrono::steady_clock::now();
    const std::vector<std::pair<std::string, uint16_t>> questions(kBurst,
                                                                  {"www.allowed.test", harness::kDnsTypeA});
    const auto results =
        harness::dns_query_tcp_pipelined(topology_->sandbox(), kProxy, kProxyPort, questions, 10s);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    size_t answered = 0;
    for (const auto& result : results) {
        answered += result.ok() && result.rcode == harness::kRcodeNoError ? 1 : 0;
    }
    ASSERT_EQ(answered, static_cast<size_t>(kBurst));

    const size_t logged = events_in(process_->read_log(), "egress.outbound").size() - before;
    const uint64_t suppressed = suppressed_outbound_lines() - suppressed_before;
    // Every budget second the burst touches allows kRate lines: at most ceil(seconds) + 1 of them.
    const auto budget_seconds = static_cast<size_t>(seconds) + 2;
    EXPECT_GE(logged, 1u);
    EXPECT_LE(logged, kRate * budget_seconds) << "burst took " << seconds << " s";
    EXPECT_EQ(logged + suppressed, static_cast<size_t>(kBurst)) << "each line is logged or counted";
}

}  // namespace
