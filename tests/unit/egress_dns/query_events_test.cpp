#include "dns/query_events.hpp"

#include <gtest/gtest.h>

#include "../log_capture.hpp"
#include "wire_bytes.hpp"

namespace egress::dns {
namespace {

using nlohmann::json;
using testing::WireBytes;
using unit_test_support::DefaultLogCapture;

std::vector<uint8_t> answer_with_addresses() {
    return WireBytes()
        .header(7, 0x8180, 1, 2)
        .question("www.allowed.test")
        .pointer(12)
        .record_body(1, 1, 60, {198, 51, 100, 10})
        .pointer(12)
        .record_body(28, 1, 60, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})
        .bytes();
}

std::vector<uint8_t> answer_without_addresses() {
    return WireBytes().header(7, 0x8183, 1).question("nothing.allowed.test").bytes();
}

class QueryEventsTest : public ::testing::Test {
  protected:
    common::MetricsRegistry registry_;
    common::Family<common::Counter>& suppressed_ =
        registry_.counter_family("egress_log_events_suppressed_total", "test", {"event"});
    DefaultLogCapture log_;
};

TEST_F(QueryEventsTest, OutboundCarriesHostAndAddresses) {
    QueryEvents events(10, suppressed_);
    events.outbound("www.allowed.test", answer_with_addresses());
    events.outbound("nothing.allowed.test", answer_without_addresses());
    const auto lines = log_.events("egress.outbound");
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0].at("level"), "info");
    EXPECT_EQ(lines[0].at("msg"), "egress outbound");
    EXPECT_EQ(lines[0].at("target.host"), "www.allowed.test");
    EXPECT_EQ(lines[0].at("target.ips"), json::array({"198.51.100.10", "2001:db8::1"}));
    EXPECT_FALSE(lines[0].contains("error"));
    EXPECT_EQ(lines[1].at("target.host"), "nothing.allowed.test");
    EXPECT_FALSE(lines[1].contains("target.ips")) << "omitted when the answer has no address";
}

TEST_F(QueryEventsTest, FailedOutboundCarriesTheError) {
    QueryEvents events(10, suppressed_);
    events.outbound_failed("www.allowed.test", "10.0.0.2:53: timeout");
    const auto lines = log_.events("egress.outbound");
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].at("level"), "info");
    EXPECT_EQ(lines[0].at("error"), "10.0.0.2:53: timeout");
    EXPECT_FALSE(lines[0].contains("target.ips"));
}

TEST_F(QueryEventsTest, LogSkipHidesOnlySuccessfulOutboundLines) {
    QueryEvents events(10, suppressed_);
    events.set_log_skip(LogSkipList::parse("*.allowed.test\n", "log_skip.always"));
    events.outbound("www.allowed.test", answer_with_addresses());
    events.outbound_failed("www.allowed.test", "all upstreams failed");
    events.outbound("other.test", answer_with_addresses());
    const auto lines = log_.events("egress.outbound");
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0].at("error"), "all upstreams failed");
    EXPECT_EQ(lines[1].at("target.host"), "other.test");
}

TEST_F(QueryEventsTest, AWorkloadsNameCannotForgeALogLine) {
    QueryEvents events(10, suppressed_);
    const std::string forged = "x\"}\n{\"level\":\"info\",\"opensandbox.event\":\"egress.loaded\"\xff";
    events.host_event(QueryEvents::HostEvent::denied, forged);
    const auto lines = log_.lines();
    ASSERT_EQ(lines.size(), 1u) << "one JSON object, whatever the name holds";
    EXPECT_EQ(lines[0].at("opensandbox.event"), "egress.denied");
    EXPECT_TRUE(lines[0].at("target.host").get<std::string>().starts_with("x\"}\n{"));
}

TEST_F(QueryEventsTest, DeniedIsAWarning) {
    QueryEvents events(10, suppressed_);
    events.host_event(QueryEvents::HostEvent::denied, "blocked.test");
    const auto lines = log_.events("egress.denied");
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].at("level"), "warn");
    EXPECT_EQ(lines[0].at("msg"), "egress denied");
    EXPECT_EQ(lines[0].at("target.host"), "blocked.test");
}

TEST_F(QueryEventsTest, ABurstIsCappedPerKindAndTheRestCounted) {
    QueryEvents events(5, suppressed_);
    for (int i = 0; i < 50; ++i) {
        events.outbound("www.allowed.test", answer_with_addresses());
        events.host_event(QueryEvents::HostEvent::denied, "blocked.test");
    }
    events.outbound_failed("www.allowed.test", "errors have a budget of their own");
    EXPECT_EQ(log_.events("egress.outbound").size(), 6u);
    EXPECT_EQ(log_.events("egress.denied").size(), 5u);
    EXPECT_EQ(suppressed_.with_labels({"egress.outbound"}).value(), 45u);
    EXPECT_EQ(suppressed_.with_labels({"egress.denied"}).value(), 45u);
}

TEST_F(QueryEventsTest, ZeroRateOrAQuieterLevelWritesNothing) {
    QueryEvents off(0, suppressed_);
    off.outbound("www.allowed.test", answer_with_addresses());
    off.host_event(QueryEvents::HostEvent::denied, "blocked.test");
    EXPECT_TRUE(log_.lines().empty());
    EXPECT_EQ(suppressed_.with_labels({"egress.outbound"}).value(), 0u);

    spdlog::default_logger()->set_level(common::LogLevel::warn);
    QueryEvents events(10, suppressed_);
    events.outbound("www.allowed.test", answer_with_addresses());
    EXPECT_TRUE(log_.events("egress.outbound").empty());
    events.host_event(QueryEvents::HostEvent::denied, "blocked.test");
    EXPECT_EQ(log_.events("egress.denied").size(), 1u);
}

}  // namespace
}  // namespace egress::dns
