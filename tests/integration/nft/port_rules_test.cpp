// Rules limited to ports, for addresses and networks (the port_* interval sets) and for the
// learned addresses of names (dyn_port_allow), judged by real packets in a sandbox namespace.
#include <netinet/in.h>

#include "nft_fixture.hpp"

namespace egress::nft::testing {
namespace {

constexpr uint16_t kOpenPort = 8443;    // v4 (TCP and UDP); 8080 is the fixture's other v4 port
constexpr uint16_t kOpenV6Port = 8444;  // v6; 8081 is the fixture's other v6 port

PortedPrefix tcp(const std::string& network, uint16_t port) {
    return {prefix(network), {IPPROTO_TCP, port}};
}

PortedPrefix udp(const std::string& network, uint16_t port) {
    return {prefix(network), {IPPROTO_UDP, port}};
}

class PortRulesTest : public NftTest {
  protected:
    void SetUp() override {
        NftTest::SetUp();
        if (IsSkipped()) {
            return;
        }
        servers_.push_back(std::make_unique<harness::EchoServer>(
            harness::EchoServerConfig{topology_->upstream(), "0.0.0.0", kOpenPort, "v4-open"}));
        servers_.push_back(std::make_unique<harness::EchoServer>(
            harness::EchoServerConfig{topology_->upstream(), "::", kOpenV6Port, "v6-open"}));
        enforcer_ = make_enforcer(sandbox(), RulesetOptions{}, provenance_);
    }

    bool udp_answered(const std::string& address, uint16_t port) {
        return harness::udp_echo(sandbox(), address, port, "ping", 300ms).reply == "ping";
    }

    std::unique_ptr<WriterThread> make_writer(std::shared_ptr<LearningGate> gate) {
        return std::make_unique<WriterThread>(sandbox(), provenance_, DynamicAllowWriter::Options{}, gate);
    }

    std::shared_ptr<AddressProvenance> provenance_ = std::make_shared<AddressProvenance>();
    std::unique_ptr<NftEnforcer> enforcer_;
};

TEST_F(PortRulesTest, AnAddressAllowedOnOnePortIsRefusedOnTheOthers) {
    FilterPolicy policy;
    policy.prefixes.ported_allow = {tcp("198.18.5.5/32", kOpenPort), tcp("2001:db8:99::5/128", kOpenV6Port)};
    enforcer_->install(policy);
    EXPECT_TRUE(reachable("198.18.5.5", kOpenPort));
    EXPECT_FALSE(reachable("198.18.5.5", kPort));
    EXPECT_FALSE(reachable("198.18.5.6", kOpenPort));  // another address, same port
    EXPECT_TRUE(reachable("2001:db8:99::5", kOpenV6Port));
    EXPECT_FALSE(reachable("2001:db8:99::5", kV6Port));
    EXPECT_FALSE(udp_answered("198.18.5.5", kOpenPort));  // TCP only
}

TEST_F(PortRulesTest, AUdpRuleOpensUdpOnly) {
    FilterPolicy policy;
    // Bound to the address asked, so its UDP answers come from that address.
    constexpr uint16_t kUdpPort = 9443;
    servers_.push_back(std::make_unique<harness::EchoServer>(
        harness::EchoServerConfig{topology_->upstream(), "198.51.100.10", kUdpPort, "udp"}));
    policy.prefixes.ported_allow = {tcp("198.51.100.0/24", kUdpPort)};
    enforcer_->install(policy);
    EXPECT_FALSE(udp_answered("198.51.100.10", kUdpPort));
    policy.prefixes.ported_allow = {udp("198.51.100.0/24", kUdpPort)};
    enforcer_->apply(policy, every_name_every_port);
    EXPECT_TRUE(udp_answered("198.51.100.10", kUdpPort));
}

TEST_F(PortRulesTest, APortDenyWinsOverAPlainAllowOfTheSameNetwork) {
    FilterPolicy policy;
    policy.prefixes.allow_v4 = {prefix("198.18.6.0/24")};
    policy.prefixes.ported_deny = {tcp("198.18.6.6/32", kOpenPort)};
    enforcer_->install(policy);
    EXPECT_TRUE(reachable("198.18.6.6", kPort));
    EXPECT_FALSE(reachable("198.18.6.6", kOpenPort));
    EXPECT_TRUE(reachable("198.18.6.7", kOpenPort));
}

TEST_F(PortRulesTest, ARuleWithoutTargetClosesItsPortEverywhereUnderDefaultAllow) {
    FilterPolicy policy;
    policy.default_action = DefaultAction::allow;
    policy.prefixes.ported_deny = {tcp("0.0.0.0/0", kOpenPort), tcp("::/0", kOpenV6Port)};
    enforcer_->install(policy);
    EXPECT_FALSE(reachable("198.18.8.8", kOpenPort));
    EXPECT_TRUE(reachable("198.18.8.8", kPort));
    EXPECT_FALSE(reachable("2001:db8:99::8", kOpenV6Port));
    EXPECT_TRUE(reachable("2001:db8:99::8", kV6Port));
}

TEST_F(PortRulesTest, OverlappingNetworksOnOnePortAndManyPortsInstallAndUpdate) {
    FilterPolicy policy;
    for (uint16_t port = 1000; port < 1256; ++port) {
        policy.prefixes.ported_allow.push_back(tcp("198.18.9.0/24", port));
    }
    policy.prefixes.ported_allow.push_back(tcp("198.18.0.0/16", kOpenPort));
    enforcer_->install(policy);
    EXPECT_TRUE(reachable("198.18.9.9", kOpenPort));
    policy.prefixes.ported_allow = {tcp("198.18.10.0/24", kOpenPort)};
    enforcer_->apply(policy, every_name_every_port);
    EXPECT_FALSE(reachable("198.18.9.9", kOpenPort));
    EXPECT_TRUE(reachable("198.18.10.1", kOpenPort));
    EXPECT_EQ(set_elements(sandbox(), "port_allow_v4"),
              std::vector<std::string>{"198.18.10.0/24 . tcp . 8443"});
}

TEST_F(PortRulesTest, ANameGrantedOnePortOpensItsLearnedAddressOnThatPortOnly) {
    enforcer_->install(FilterPolicy{});
    const PortGrant https{false, {{IPPROTO_TCP, kOpenPort}, {IPPROTO_TCP, kOpenV6Port}}};
    auto gate = std::make_shared<LearningGate>([&](std::string_view) { return &https; });
    auto writer = make_writer(gate);
    ASSERT_TRUE(writer->resolve_and_wait("api.test",
                                         {resolved("198.18.11.1", 300), resolved("2001:db8:99::11", 300)}));
    EXPECT_TRUE(reachable("198.18.11.1", kOpenPort));
    EXPECT_FALSE(reachable("198.18.11.1", kPort));
    EXPECT_TRUE(reachable("2001:db8:99::11", kOpenV6Port));
    EXPECT_FALSE(reachable("2001:db8:99::11", kV6Port));
    EXPECT_TRUE(set_elements(sandbox(), "dyn_allow_v4").empty());
    EXPECT_EQ(set_elements(sandbox(), "dyn_port_allow_v4"),
              (std::vector<std::string>{"198.18.11.1 . tcp . 8443", "198.18.11.1 . tcp . 8444"}));
}

TEST_F(PortRulesTest, PolicyChangesKeepGrantedPortsAndRevokeTheRest) {
    enforcer_->install(FilterPolicy{});
    const PortGrant two_ports{false, {{IPPROTO_TCP, kPort}, {IPPROTO_TCP, kOpenPort}}};
    auto gate = std::make_shared<LearningGate>([&](std::string_view) { return &two_ports; });
    auto writer = make_writer(gate);
    ASSERT_TRUE(writer->resolve_and_wait("api.test", {resolved("198.18.12.1", 300)}));
    ASSERT_TRUE(reachable("198.18.12.1", kPort));

    // An update that grants every port keeps what was learned.
    const auto revoked_none = enforcer_->apply(FilterPolicy{}, every_name_every_port);
    EXPECT_TRUE(revoked_none.empty());
    EXPECT_TRUE(reachable("198.18.12.1", kPort));
    EXPECT_TRUE(reachable("198.18.12.1", kOpenPort));

    // Narrowed to one port: the other one closes at once.
    const PortGrant one_port{false, {{IPPROTO_TCP, kOpenPort}}};
    const auto revoked = enforcer_->apply(FilterPolicy{}, [&](std::string_view) { return &one_port; });
    EXPECT_EQ(revoked.ported, (std::vector<PortedAddress>{
                                  {common::IpAddress::parse_or_throw("198.18.12.1"), {IPPROTO_TCP, kPort}}}));
    EXPECT_FALSE(reachable("198.18.12.1", kPort));
    EXPECT_TRUE(reachable("198.18.12.1", kOpenPort));

    // Denied: nothing is left.
    enforcer_->apply(FilterPolicy{}, no_name);
    EXPECT_FALSE(reachable("198.18.12.1", kOpenPort));
    EXPECT_TRUE(set_elements(sandbox(), "dyn_port_allow_v4").empty());
}

}  // namespace
}  // namespace egress::nft::testing

namespace egress::nft::testing {
namespace {

TEST_F(PortRulesTest, AuditLetsThroughWhatWouldBeDroppedAndCountsItButDenySetsStillDrop) {
    FilterPolicy policy;
    policy.audit = true;
    policy.prefixes.audit_v4 = {prefix("198.18.20.0/24")};
    policy.prefixes.deny_v4 = {prefix("198.18.21.0/24")};  // deny.always: never audited
    enforcer_->install(policy);
    EXPECT_TRUE(reachable("198.18.20.1"));
    EXPECT_TRUE(reachable("198.18.22.1")) << "the default drop becomes a counted accept";
    EXPECT_FALSE(reachable("198.18.21.1"));
    const auto rules = chain_rule_lines(sandbox(), "egress");
    const auto counted = [&](const std::string& prefix_text) {
        for (const auto& rule : rules) {
            if (rule.starts_with(prefix_text)) {
                return rule.find("packets 0 ") == std::string::npos;
            }
        }
        return false;
    };
    EXPECT_TRUE(counted("ip daddr @audit_v4 counter")) << ::testing::PrintToString(rules);
    EXPECT_EQ(rules.back().substr(rules.back().size() - 6), "accept");
    EXPECT_TRUE(counted("counter packets")) << ::testing::PrintToString(rules);

    policy.audit = false;
    enforcer_->apply(policy, every_name_every_port);
    EXPECT_FALSE(reachable("198.18.22.1"));
    EXPECT_TRUE(reachable("198.18.20.1")) << "an audit rule's target stays let through";
}

}  // namespace
}  // namespace egress::nft::testing
