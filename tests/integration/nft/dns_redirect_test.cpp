// DNS redirect to the proxy port, and that no DNS leaves the sandbox around the proxy.
#include "harness/dns_query.hpp"
#include "harness/test_dns_server.hpp"
#include "nft_fixture.hpp"

namespace egress::nft::testing {
namespace {

constexpr uint16_t kProxyPort = 15353;

harness::DnsZone zone() {
    harness::DnsZone records;
    records.add_a("bypass.test", "198.51.100.10");
    records.add_a("probe.test", "198.51.100.10");
    return records;
}

class DnsRedirectTest : public NftTest {
  protected:
    void SetUp() override {
        NftTest::SetUp();
        if (IsSkipped()) {
            return;
        }
        // Stand-ins for the proxy (in the sandbox) and a real resolver (upstream).
        proxy_v4_ = std::make_unique<harness::TestDnsServer>(
            harness::TestDnsServerConfig{sandbox(), "127.0.0.1", kProxyPort, zone(), 60});
        proxy_v6_ = std::make_unique<harness::TestDnsServer>(
            harness::TestDnsServerConfig{sandbox(), "::1", kProxyPort, zone(), 60});
        resolver_ = std::make_unique<harness::TestDnsServer>(
            harness::TestDnsServerConfig{topology_->upstream(), "10.77.0.1", 53, zone(), 60});
    }

    void install(EnforcementMode mode) {
        RulesetOptions options;
        options.mode = mode;
        options.proxy_port = kProxyPort;
        make_enforcer(sandbox(), options)->install(FilterPolicy{});
    }

    size_t proxy_queries() const { return proxy_v4_->queries().size() + proxy_v6_->queries().size(); }

    std::unique_ptr<harness::TestDnsServer> proxy_v4_, proxy_v6_, resolver_;
};

void expect_all_redirected(DnsRedirectTest& test, const std::string& sandbox, size_t& answered) {
    for (const char* server : {"10.77.0.1", "203.0.113.5", "192.0.2.1", "fd77::1", "2001:db8:1::10"}) {
        for (const bool tcp : {false, true}) {
            for (int attempt = 0; attempt < 10; ++attempt) {
                const auto result =
                    harness::dns_query(sandbox, server, 53, "probe.test", harness::kDnsTypeA, tcp, 1000ms);
                answered += result.ok() ? 1 : 0;
            }
        }
    }
    (void)test;
}

TEST_F(DnsRedirectTest, Port53ToAnyAddressGoesToTheProxyInBothModes) {
    for (const auto mode : {EnforcementMode::dns_and_nft, EnforcementMode::dns}) {
        install(mode);
        proxy_v4_->clear_queries();
        proxy_v6_->clear_queries();
        resolver_->clear_queries();
        size_t answered = 0;
        expect_all_redirected(*this, sandbox(), answered);
        EXPECT_EQ(answered, 100u);
        EXPECT_EQ(proxy_queries(), 100u);
        EXPECT_EQ(resolver_->queries().size(), 0u);
    }
}

TEST_F(DnsRedirectTest, MarkedTrafficIsNotRedirected) {
    install(EnforcementMode::dns_and_nft);
    EXPECT_TRUE(udp_dns_query_answered(sandbox(), "10.77.0.1", 53, std::nullopt, 0x1));
    EXPECT_EQ(resolver_->queries().size(), 1u);
    EXPECT_EQ(proxy_queries(), 0u);
}

// The proxy's marked upstream flow leaves a conntrack entry; an unmarked packet with the same
// tuple is not NEW, so nat never sees it. It must still not reach the resolver.
// The proxy's marked flows are not tracked, so a workload query from the same tuple is still
// redirected (answered by the proxy, never by the resolver) instead of inheriting the entry.
TEST_F(DnsRedirectTest, ReusingTheProxysUpstreamTupleIsStillRedirected) {
    for (const auto mode : {EnforcementMode::dns_and_nft, EnforcementMode::dns}) {
        install(mode);
        resolver_->clear_queries();
        proxy_v4_->clear_queries();
        const uint16_t source_port = mode == EnforcementMode::dns ? 40001 : 40002;
        ASSERT_TRUE(udp_dns_query_answered(sandbox(), "10.77.0.1", 53, source_port, 0x1));
        EXPECT_TRUE(udp_dns_query_answered(sandbox(), "10.77.0.1", 53, source_port, std::nullopt));
        EXPECT_EQ(resolver_->queries().size(), 1u) << "the workload query reached the resolver";
        EXPECT_EQ(proxy_v4_->queries().size(), 1u) << "the workload query was not redirected";
    }
}

TEST_F(DnsRedirectTest, ExemptNameserverIsReachableDirectlyOnPort53Only) {
    RulesetOptions options;
    options.proxy_port = kProxyPort;
    FilterPolicy policy;
    policy.nameservers = {common::IpAddress::parse_or_throw("10.77.0.1")};
    make_enforcer(sandbox(), options)->install(policy);
    EXPECT_TRUE(udp_dns_query_answered(sandbox(), "10.77.0.1", 53, std::nullopt, std::nullopt));
    EXPECT_EQ(resolver_->queries().size(), 1u);
    EXPECT_FALSE(reachable("10.77.0.1", kPort));  // not on other ports
}

}  // namespace
}  // namespace egress::nft::testing
