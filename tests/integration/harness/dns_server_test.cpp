#include <gtest/gtest.h>
#include <signal.h>

#include <future>
#include <optional>

#include "harness/command.hpp"
#include "harness/dns_query.hpp"
#include "harness/dns_types.hpp"
#include "harness/require_netns.hpp"
#include "harness/test_dns_server.hpp"
#include "harness/topology.hpp"
#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
using harness::DnsFailureMode;
using harness::DnsTransport;
using harness::kDnsTypeA;
using harness::kDnsTypeAaaa;
using harness::kDnsTypeCname;

constexpr uint32_t kTtl = 123;

harness::DnsZone test_zone() {
    harness::DnsZone zone;
    zone.add_a("a.example", "198.51.100.10")
        .add_aaaa("a.example", "2001:db8:1::10")
        .add_cname("cname.example", "a.example")
        .add_cname("chain.example", "cname.example")
        .add_a("v4only.example", "198.51.100.11")
        .add_cname("dangling.example", "missing.example");
    return zone;
}

class DnsServerTest : public testing::Test {
  protected:
    void SetUp() override {
        HARNESS_REQUIRE_NETNS();
        topology_.emplace();
        server_.emplace(
            harness::TestDnsServerConfig{topology_->upstream(), "10.77.0.1", 53, test_zone(), kTtl});
    }

    harness::DnsQueryResult query(const std::string& name, uint16_t qtype, bool tcp = false,
                                  std::chrono::milliseconds timeout = 2000ms) {
        return harness::dns_query(topology_->sandbox(), "10.77.0.1", 53, name, qtype, tcp, timeout);
    }

    std::string dig(const std::vector<std::string>& args) {
        std::vector<std::string> argv = {"ip",  "netns",   "exec",    topology_->sandbox(),
                                         "dig", "+time=2", "+tries=1"};
        argv.insert(argv.end(), args.begin(), args.end());
        return harness::run_checked(argv);
    }

    std::optional<harness::Topology> topology_;
    std::optional<harness::TestDnsServer> server_;
};

TEST_F(DnsServerTest, AnswersAOverUdpWithConfiguredTtlAndHeaderBits) {
    const auto result = query("a.example", kDnsTypeA);
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_EQ(result.rcode, harness::kRcodeNoError);
    EXPECT_TRUE(result.qr);
    EXPECT_TRUE(result.ra);
    EXPECT_EQ(result.question_name, "a.example");
    EXPECT_EQ(result.question_type, kDnsTypeA);
    EXPECT_EQ(result.addresses(), std::vector<std::string>{"198.51.100.10"});
    ASSERT_EQ(result.answers.size(), 1u);
    EXPECT_EQ(result.answers[0].ttl, kTtl);
}

TEST_F(DnsServerTest, AnswersAaaaOverTcp) {
    const auto result = query("a.example", kDnsTypeAaaa, true);
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_EQ(result.addresses(), std::vector<std::string>{"2001:db8:1::10"});
    EXPECT_FALSE(result.truncated);
}

TEST_F(DnsServerTest, ServesOverIpv6Transport) {
    const harness::TestDnsServer v6({topology_->upstream(), "fd77::1", 53, test_zone(), kTtl});
    for (const bool tcp : {false, true}) {
        const auto result =
            harness::dns_query(topology_->sandbox(), "fd77::1", 53, "a.example", kDnsTypeA, tcp);
        EXPECT_EQ(result.addresses(), std::vector<std::string>{"198.51.100.10"}) << "tcp=" << tcp;
    }
    EXPECT_EQ(v6.query_count("a.example"), 2u);
    EXPECT_EQ(server_->query_count("a.example"), 0u);
}

TEST_F(DnsServerTest, CnameChainListsEachCnameThenTheTargetRecords) {
    for (const bool tcp : {false, true}) {
        const auto result = query("chain.example", kDnsTypeA, tcp);
        ASSERT_EQ(result.answers.size(), 3u) << "tcp=" << tcp;
        EXPECT_EQ(result.answers[0].name, "chain.example");
        EXPECT_EQ(result.answers[0].type, kDnsTypeCname);
        EXPECT_EQ(result.answers[0].data, "cname.example");
        EXPECT_EQ(result.answers[1].name, "cname.example");
        EXPECT_EQ(result.answers[1].data, "a.example");
        EXPECT_EQ(result.answers[2].name, "a.example");
        EXPECT_EQ(result.answers[2].type, kDnsTypeA);
        EXPECT_EQ(result.answers[2].data, "198.51.100.10");
    }
    const auto cname_only = query("cname.example", kDnsTypeCname);
    ASSERT_EQ(cname_only.answers.size(), 1u);
    EXPECT_EQ(cname_only.answers[0].data, "a.example");
}

TEST_F(DnsServerTest, UnknownNamesAreNxdomainAndMissingTypesAreEmpty) {
    const auto unknown = query("nope.example", kDnsTypeA);
    EXPECT_EQ(unknown.rcode, harness::kRcodeNxDomain);
    EXPECT_TRUE(unknown.answers.empty());
    const auto nodata = query("v4only.example", kDnsTypeAaaa);
    EXPECT_EQ(nodata.rcode, harness::kRcodeNoError);
    EXPECT_TRUE(nodata.answers.empty());
    const auto dangling = query("dangling.example", kDnsTypeA);
    EXPECT_EQ(dangling.rcode, harness::kRcodeNxDomain);
    EXPECT_EQ(dangling.answers.size(), 1u) << "the CNAME itself is still listed";
}

TEST_F(DnsServerTest, MatchesCaseInsensitivelyAndEchoesTheQuestionAsSent) {
    const auto result = query("A.Example", kDnsTypeA);
    EXPECT_EQ(result.addresses(), std::vector<std::string>{"198.51.100.10"});
    EXPECT_EQ(result.question_name, "A.Example");
    ASSERT_EQ(server_->queries().size(), 1u);
    EXPECT_EQ(server_->queries()[0].name, "A.Example");
}

TEST_F(DnsServerTest, RecordsEveryQueryWithTypeAndTransportUntilCleared) {
    query("a.example", kDnsTypeA);
    query("nope.example", kDnsTypeAaaa);
    query("a.example", kDnsTypeA, true);
    const auto queries = server_->queries();
    ASSERT_EQ(queries.size(), 3u);
    EXPECT_EQ(queries[0].name, "a.example");
    EXPECT_EQ(queries[0].transport, DnsTransport::udp);
    EXPECT_EQ(queries[1].name, "nope.example");
    EXPECT_EQ(queries[1].qtype, kDnsTypeAaaa);
    EXPECT_EQ(queries[2].transport, DnsTransport::tcp);
    EXPECT_LE(queries[0].received_at, queries[2].received_at);
    EXPECT_EQ(server_->query_count("A.EXAMPLE."), 2u);
    EXPECT_EQ(server_->query_count("never.example"), 0u);
    server_->clear_queries();
    EXPECT_TRUE(server_->queries().empty());
}

TEST_F(DnsServerTest, AnswersSeveralQueriesOnOneTcpConnection) {
    const auto results = harness::dns_query_tcp_pipelined(
        topology_->sandbox(), "10.77.0.1", 53,
        {{"a.example", kDnsTypeA}, {"a.example", kDnsTypeAaaa}, {"nope.example", kDnsTypeA}});
    ASSERT_EQ(results.size(), 3u);
    EXPECT_EQ(results[0].addresses(), std::vector<std::string>{"198.51.100.10"});
    EXPECT_EQ(results[1].addresses(), std::vector<std::string>{"2001:db8:1::10"});
    EXPECT_EQ(results[2].rcode, harness::kRcodeNxDomain);
    EXPECT_EQ(server_->queries().size(), 3u);
}

TEST_F(DnsServerTest, SlowModeDelaysEveryAnswerWithoutSerializingThem) {
    server_->set_delay(400ms);
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::future<harness::DnsQueryResult>> pending;
    for (int i = 0; i < 3; ++i) {
        pending.push_back(
            std::async(std::launch::async, [&, i] { return query("a.example", kDnsTypeA, i == 2); }));
    }
    for (auto& result : pending) {
        EXPECT_EQ(result.get().addresses(), std::vector<std::string>{"198.51.100.10"});
    }
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_GE(elapsed, 400ms);
    EXPECT_LT(elapsed, 1000ms) << "three delayed answers must overlap, not queue";
    EXPECT_EQ(query("a.example", kDnsTypeA, false, 150ms).error, ETIMEDOUT);
}

TEST_F(DnsServerTest, DropModeNeverAnswersButStillRecords) {
    server_->set_failure_mode(DnsFailureMode::drop);
    EXPECT_EQ(query("a.example", kDnsTypeA, false, 200ms).error, ETIMEDOUT);
    EXPECT_EQ(query("a.example", kDnsTypeA, true, 200ms).error, ETIMEDOUT);
    EXPECT_EQ(server_->query_count("a.example"), 2u);
    server_->set_failure_mode(DnsFailureMode::none);
    EXPECT_TRUE(query("a.example", kDnsTypeA).ok());
}

TEST_F(DnsServerTest, ServfailAndRefusedModesAnswerWithThatRcode) {
    server_->set_failure_mode(DnsFailureMode::servfail);
    const auto servfail = query("a.example", kDnsTypeA);
    EXPECT_EQ(servfail.rcode, harness::kRcodeServFail);
    EXPECT_TRUE(servfail.answers.empty());
    server_->set_failure_mode(DnsFailureMode::refused);
    EXPECT_EQ(query("a.example", kDnsTypeA, true).rcode, harness::kRcodeRefused);
    server_->set_failure_mode(DnsFailureMode::none);
    EXPECT_EQ(query("a.example", kDnsTypeA).rcode, harness::kRcodeNoError);
}

TEST_F(DnsServerTest, TruncateModeSetsTcOnUdpAndAnswersOverTcp) {
    server_->set_failure_mode(DnsFailureMode::truncate);
    const auto udp = query("a.example", kDnsTypeA);
    EXPECT_TRUE(udp.truncated);
    EXPECT_TRUE(udp.answers.empty());
    const auto tcp = query("a.example", kDnsTypeA, true);
    EXPECT_FALSE(tcp.truncated);
    EXPECT_EQ(tcp.addresses(), std::vector<std::string>{"198.51.100.10"});

    server_->clear_queries();
    EXPECT_EQ(dig({"@10.77.0.1", "+short", "a.example"}), "198.51.100.10\n");
    const auto queries = server_->queries();
    ASSERT_EQ(queries.size(), 2u) << "dig must have retried over TCP";
    EXPECT_EQ(queries[0].transport, DnsTransport::udp);
    EXPECT_EQ(queries[1].transport, DnsTransport::tcp);
}

TEST_F(DnsServerTest, DigInTheSandboxResolvesThroughItsResolvConf) {
    topology_->write_resolv_conf(topology_->sandbox(), {"10.77.0.1"});
    EXPECT_EQ(dig({"+short", "cname.example"}), "a.example.\n198.51.100.10\n");
    EXPECT_EQ(server_->query_count("cname.example"), 1u);
}

TEST_F(DnsServerTest, ZoneTtlAndModeCanChangeAtRuntime) {
    harness::DnsZone zone;
    zone.add_a("new.example", "198.51.100.77");
    server_->set_zone(std::move(zone));
    server_->set_ttl(5);
    const auto result = query("new.example", kDnsTypeA);
    EXPECT_EQ(result.addresses(), std::vector<std::string>{"198.51.100.77"});
    ASSERT_EQ(result.answers.size(), 1u);
    EXPECT_EQ(result.answers[0].ttl, 5u);
    EXPECT_EQ(query("a.example", kDnsTypeA).rcode, harness::kRcodeNxDomain);
}

TEST_F(DnsServerTest, FakeDnsUpstreamBinaryServesItsRecords) {
    harness_test::TempDir logs;
    auto process =
        topology_->spawn(topology_->upstream(),
                         {FAKE_DNS_UPSTREAM_PATH, "--listen", "10.77.0.1:5353", "--listen", "[fd77::1]:5353",
                          "--record", "a.example=198.51.100.10", "--record", "cname.example=CNAME:a.example",
                          "--record", "a.example=2001:db8:1::10", "--ttl", "42"},
                         logs.file("fake-dns.log"));
    harness::DnsQueryResult result;
    ASSERT_TRUE(harness_test::wait_until(
        [&] {
            result = harness::dns_query(topology_->sandbox(), "10.77.0.1", 5353, "cname.example", kDnsTypeA,
                                        false, 100ms);
            return result.ok();
        },
        5s))
        << process.read_log();
    ASSERT_EQ(result.answers.size(), 2u);
    EXPECT_EQ(result.answers[1].data, "198.51.100.10");
    EXPECT_EQ(result.answers[1].ttl, 42u);
    harness::DnsQueryResult v6;
    EXPECT_TRUE(harness_test::wait_until(  // the listeners start one after the other
        [&] {
            v6 = harness::dns_query(topology_->sandbox(), "fd77::1", 5353, "a.example", kDnsTypeAaaa, true,
                                    100ms);
            return v6.ok();
        },
        5s));
    EXPECT_EQ(v6.addresses(), std::vector<std::string>{"2001:db8:1::10"});
    process.signal(SIGTERM);
    EXPECT_EQ(process.wait(3s), 0) << process.read_log();
}

TEST(DnsResponder, IgnoresGarbageAndValidatesZoneInput) {
    const std::vector<uint8_t> garbage = {0x12, 0x34, 0xff};
    EXPECT_EQ(harness::make_dns_response(garbage, test_zone(), 1, DnsFailureMode::none, DnsTransport::udp),
              std::nullopt);
    harness::DnsZone zone;
    EXPECT_THROW(zone.add_a("x.example", "2001:db8::1"), std::invalid_argument);
    EXPECT_THROW(zone.add_aaaa("x.example", "198.51.100.1"), std::invalid_argument);
    EXPECT_THROW(zone.add_from_text("", "198.51.100.1"), std::invalid_argument);
    EXPECT_NE(zone.add_from_text("Mixed.Example.", "CNAME:t.example").find("mixed.example"), nullptr);
}

}  // namespace
