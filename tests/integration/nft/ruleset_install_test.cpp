// The installed ruleset as the kernel reports it, static sets, lifecycle.
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "harness/netns_scope.hpp"
#include "nft/nft_error.hpp"
#include "nft_fixture.hpp"

namespace egress::nft::testing {
namespace {

FilterPolicy example_policy() {
    FilterPolicy policy;
    policy.default_action = DefaultAction::deny;
    // Overlapping and duplicate entries on purpose: they must not make the kernel refuse the batch.
    policy.prefixes.allow_v4 = {prefix("198.51.100.0/24"), prefix("198.51.100.10/32"),
                                prefix("198.51.100.0/24"), prefix("203.0.113.128/25")};
    policy.prefixes.deny_v4 = {prefix("198.51.100.66/32")};
    policy.prefixes.allow_v6 = {prefix("2001:db8:1::/48")};
    policy.prefixes.deny_v6 = {prefix("2001:db8:1::66/128")};
    policy.nameservers = {common::IpAddress::parse_or_throw("192.0.2.53")};
    return policy;
}

TEST_F(NftTest, InstalledRulesetMatchesTheDesign) {
    make_enforcer(sandbox())->install(example_policy());
    const auto ruleset = list_ruleset(sandbox());

    const auto tables = ruleset_items(ruleset, "table");
    ASSERT_EQ(tables.size(), 1u);
    EXPECT_EQ(tables[0]["family"], "inet");
    EXPECT_EQ(tables[0]["name"], "opensandbox");

    std::map<std::string, nlohmann::json> chains;
    for (const auto& chain : ruleset_items(ruleset, "chain")) {
        chains[chain["name"]] = chain;
    }
    ASSERT_TRUE(chains.contains("egress"));
    EXPECT_EQ(chains["egress"]["type"], "filter");
    EXPECT_EQ(chains["egress"]["hook"], "output");
    EXPECT_EQ(chains["egress"]["prio"], 0);
    EXPECT_EQ(chains["egress"]["policy"], "drop");
    ASSERT_TRUE(chains.contains("dns_redirect"));
    EXPECT_EQ(chains["dns_redirect"]["type"], "nat");
    EXPECT_EQ(chains["dns_redirect"]["prio"], -100);

    std::map<std::string, nlohmann::json> sets;
    for (const auto& set : ruleset_items(ruleset, "set")) {
        sets[set["name"]] = set;
    }
    for (const char* name :
         {"allow_v4", "allow_v6", "deny_v4", "deny_v6", "dyn_allow_v4", "dyn_allow_v6", "nameserver_v4",
          "nameserver_v6", "doh_block_v4", "doh_block_v6", "audit_v4", "audit_v6"}) {
        EXPECT_TRUE(sets.contains(name)) << name;
    }
    EXPECT_EQ(sets["allow_v4"]["type"], "ipv4_addr");
    EXPECT_EQ(sets["allow_v6"]["type"], "ipv6_addr");
    EXPECT_EQ(sets["allow_v4"]["flags"], nlohmann::json::array({"interval"}));
    EXPECT_EQ(sets["dyn_allow_v4"]["flags"], nlohmann::json::array({"timeout"}));
    EXPECT_EQ(sets["dyn_allow_v4"]["timeout"], 360);
    const auto ported_v4 = nlohmann::json::array({"ipv4_addr", "inet_proto", "inet_service"});
    const auto ported_v6 = nlohmann::json::array({"ipv6_addr", "inet_proto", "inet_service"});
    for (const char* name : {"port_allow_v4", "port_deny_v4", "dyn_port_allow_v4"}) {
        EXPECT_EQ(sets[name]["type"], ported_v4) << name;
    }
    for (const char* name : {"port_allow_v6", "port_deny_v6", "dyn_port_allow_v6"}) {
        EXPECT_EQ(sets[name]["type"], ported_v6) << name;
    }
    EXPECT_EQ(sets["port_allow_v4"]["flags"], nlohmann::json::array({"interval"}));
    EXPECT_EQ(sets["dyn_port_allow_v6"]["flags"], nlohmann::json::array({"timeout"}));
    for (const char* name : {"dyn_seen_v4", "dyn_seen_v6"}) {
        EXPECT_EQ(sets[name]["timeout"], 30) << name;
        // nft's JSON leaves "dynamic" out of the flags; its text does not.
        const std::string listing = harness::run_checked(
            {"ip", "netns", "exec", sandbox(), "nft", "list", "set", "inet", "opensandbox", name});
        EXPECT_NE(listing.find("flags dynamic,timeout"), std::string::npos) << listing;
    }
    EXPECT_EQ(sets["dyn_seen_v6"]["type"], "ipv6_addr");

    EXPECT_EQ(set_elements(sandbox(), "allow_v4"),
              (std::vector<std::string>{"198.51.100.0/24", "203.0.113.128/25"}));
    EXPECT_EQ(set_elements(sandbox(), "deny_v4"), std::vector<std::string>{"198.51.100.66"});
    EXPECT_EQ(set_elements(sandbox(), "allow_v6"), std::vector<std::string>{"2001:db8:1::/48"});
    EXPECT_EQ(set_elements(sandbox(), "nameserver_v4"), std::vector<std::string>{"192.0.2.53"});

    const std::vector<std::string> expected_rules = {
        "meta mark 0x00000001 accept",
        "oifname \"lo\" accept",
        "ip daddr 127.0.0.1 udp dport 15353 accept",
        "ip daddr 127.0.0.1 tcp dport 15353 accept",
        "ip6 daddr ::1 udp dport 15353 accept",
        "ip6 daddr ::1 tcp dport 15353 accept",
        "ip daddr @nameserver_v4 udp dport 53 accept",
        "ip daddr @nameserver_v4 tcp dport 53 accept",
        "ip6 daddr @nameserver_v6 udp dport 53 accept",
        "ip6 daddr @nameserver_v6 tcp dport 53 accept",
        "udp dport 53 drop",
        "tcp dport 53 drop",
        "ip daddr @dyn_allow_v4 update @dyn_seen_v4 { ip daddr }",
        "ip daddr . meta l4proto . th dport @dyn_port_allow_v4 update @dyn_seen_v4 { ip daddr }",
        "ip6 daddr @dyn_allow_v6 update @dyn_seen_v6 { ip6 daddr }",
        "ip6 daddr . meta l4proto . th dport @dyn_port_allow_v6 update @dyn_seen_v6 { ip6 daddr }",
        "ct mark & 0x40000000 != 0x00000000 drop",
        "ct state established,related accept",
        "icmpv6 type nd-router-solicit accept",
        "icmpv6 type nd-neighbor-solicit accept",
        "icmpv6 type nd-neighbor-advert accept",
        "tcp dport 853 drop",
        "udp dport 853 drop",
        "ip daddr . meta l4proto . th dport @port_deny_v4 drop",
        "ip6 daddr . meta l4proto . th dport @port_deny_v6 drop",
        "ip daddr @deny_v4 drop",
        "ip6 daddr @deny_v6 drop",
        "ip daddr @dyn_allow_v4 accept",
        "ip6 daddr @dyn_allow_v6 accept",
        "ip daddr . meta l4proto . th dport @dyn_port_allow_v4 accept",
        "ip6 daddr . meta l4proto . th dport @dyn_port_allow_v6 accept",
        "ip daddr @allow_v4 accept",
        "ip6 daddr @allow_v6 accept",
        "ip daddr . meta l4proto . th dport @port_allow_v4 accept",
        "ip6 daddr . meta l4proto . th dport @port_allow_v6 accept",
        "ip daddr @audit_v4 counter packets 0 bytes 0 accept",
        "ip6 daddr @audit_v6 counter packets 0 bytes 0 accept",
        "counter packets 0 bytes 0 drop",
    };
    auto rules = chain_rule_lines(sandbox(), "egress");
    // Packets may already have hit the counter; compare it without the numbers.
    if (!rules.empty() && rules.back().starts_with("counter")) {
        rules.back() = "counter packets 0 bytes 0 drop";
    }
    EXPECT_EQ(rules, expected_rules);

    const std::vector<std::string> expected_nat = {
        "meta mark 0x00000001 accept",
        "ip daddr @nameserver_v4 udp dport 53 accept",
        "ip daddr @nameserver_v4 tcp dport 53 accept",
        "ip6 daddr @nameserver_v6 udp dport 53 accept",
        "ip6 daddr @nameserver_v6 tcp dport 53 accept",
        "udp dport 53 redirect to :15353",
        "tcp dport 53 redirect to :15353",
    };
    EXPECT_EQ(chain_rule_lines(sandbox(), "dns_redirect"), expected_nat);
}

TEST_F(NftTest, StaticAllowAndDenyWorkForBothFamiliesAndDenyWins) {
    EXPECT_TRUE(reachable("198.51.100.66"));  // sanity: reachable before any rule
    make_enforcer(sandbox())->install(example_policy());
    EXPECT_TRUE(reachable("198.51.100.10"));
    EXPECT_FALSE(reachable("198.51.100.66"));  // inside the allowed /24, but denied
    EXPECT_TRUE(reachable("2001:db8:1::10"));
    EXPECT_FALSE(reachable("2001:db8:1::66"));
    EXPECT_FALSE(reachable("203.0.113.5"));  // never allowed, never resolved
}

TEST_F(NftTest, DotIsDroppedEvenToAnAllowedAddress) {
    make_enforcer(sandbox())->install(example_policy());
    EXPECT_TRUE(reachable("198.51.100.10", kPort));
    EXPECT_FALSE(reachable("198.51.100.10", 853));
}

TEST_F(NftTest, DohBlocklistDropsHttpsToListedElementesOnly) {
    auto policy = example_policy();
    policy.doh = DohBlocking{true, {prefix("198.51.100.10/32")}};
    make_enforcer(sandbox())->install(policy);
    EXPECT_EQ(set_elements(sandbox(), "doh_block_v4"), std::vector<std::string>{"198.51.100.10"});
    const auto rules = chain_rule_lines(sandbox(), "egress");
    EXPECT_NE(std::find(rules.begin(), rules.end(), "ip daddr @doh_block_v4 tcp dport 443 drop"),
              rules.end());
}

TEST_F(NftTest, DefaultAllowHasAcceptPolicyAndNoFinalDrop) {
    auto policy = example_policy();
    policy.default_action = DefaultAction::allow;
    make_enforcer(sandbox())->install(policy);
    EXPECT_TRUE(reachable("203.0.113.5"));
    EXPECT_FALSE(reachable("198.51.100.66"));
    EXPECT_FALSE(chain_rule_lines(sandbox(), "egress").back().starts_with("counter"));
}

TEST_F(NftTest, TheSocketCgroupProbeLeavesNoTableBehind) {
    auto enforcer = make_enforcer(sandbox());
    EXPECT_TRUE(enforcer->kernel_matches_socket_cgroup()) << "this kernel has socket cgroupv2 (Linux 5.13+)";
    const auto after = list_ruleset(sandbox());
    EXPECT_TRUE(ruleset_items(after, "table").empty()) << after;
}

TEST_F(NftTest, RestartReplacesTheTableAtomicallyWithoutDuplicates) {
    make_enforcer(sandbox())->install(example_policy());
    const auto first = list_ruleset(sandbox());
    std::atomic<bool> stop{false};
    std::atomic<int> allowed_failures{0}, denied_successes{0}, probes{0};
    std::thread prober([&] {
        while (!stop) {
            allowed_failures += reachable("198.51.100.10", kPort, 500ms) ? 0 : 1;
            denied_successes += reachable("203.0.113.5", kPort, 50ms) ? 1 : 0;
            ++probes;
        }
    });
    for (int restart = 0; restart < 30; ++restart) {
        make_enforcer(sandbox())->install(example_policy());  // a new process would do the same
    }
    stop = true;
    prober.join();
    EXPECT_GT(probes.load(), 0);
    EXPECT_EQ(allowed_failures.load(), 0);
    EXPECT_EQ(denied_successes.load(), 0);
    const auto after = list_ruleset(sandbox());
    EXPECT_EQ(ruleset_items(after, "table").size(), 1u);
    EXPECT_EQ(ruleset_items(after, "rule").size(), ruleset_items(first, "rule").size());
    EXPECT_EQ(ruleset_items(after, "set").size(), ruleset_items(first, "set").size());
}

TEST_F(NftTest, RemoveDeletesTheTableAndToleratesItsAbsence) {
    auto enforcer = make_enforcer(sandbox());
    enforcer->install(example_policy());
    enforcer->remove();
    EXPECT_TRUE(ruleset_items(list_ruleset(sandbox()), "table").empty());
    EXPECT_NO_THROW(enforcer->remove());
}

// With the iptables redirect: no nat or notrack chain, and policy changes work without them.
TEST_F(NftTest, WithoutTheNatRedirectOnlyTheFilterChainIsInstalledAndUpdated) {
    auto enforcer = make_enforcer(sandbox());
    enforcer->disable_nat_redirect();
    enforcer->install(example_policy());
    std::vector<std::string> chains;
    for (const auto& chain : ruleset_items(list_ruleset(sandbox()), "chain")) {
        chains.push_back(chain["name"]);
    }
    EXPECT_EQ(chains, std::vector<std::string>{"egress"});

    auto policy = example_policy();
    policy.prefixes.deny_v4.push_back(prefix("203.0.113.128/25"));
    EXPECT_NO_THROW(enforcer->apply(policy, every_name_every_port));
    EXPECT_EQ(set_elements(sandbox(), "deny_v4"),
              (std::vector<std::string>{"198.51.100.66", "203.0.113.128/25"}));
    EXPECT_EQ(ruleset_items(list_ruleset(sandbox()), "chain").size(), 1u);
}

TEST_F(NftTest, CredentialProxyRedirectSparesLoopbackAndTheProxysOwnConnections) {
    RulesetOptions options;
    options.intercept = InterceptRedirect{18082, {80, 443}, 0x2};
    make_enforcer(sandbox(), options)->install(example_policy());
    const auto nat = chain_rule_lines(sandbox(), "dns_redirect");
    const std::vector<std::string> intercept_tail(nat.end() - 4, nat.end());
    EXPECT_EQ(intercept_tail, (std::vector<std::string>{
                                  "meta mark 0x00000002 accept", "oifname \"lo\" accept",
                                  "tcp dport 80 redirect to :18082", "tcp dport 443 redirect to :18082"}));
    const auto filter = chain_rule_lines(sandbox(), "egress");
    EXPECT_NE(std::find(filter.begin(), filter.end(), "ip daddr 127.0.0.1 tcp dport 18082 accept"),
              filter.end());
    EXPECT_NE(std::find(filter.begin(), filter.end(), "ip6 daddr ::1 tcp dport 18082 accept"), filter.end());
}

TEST_F(NftTest, WithoutTheNatChainNothingIsRedirectedToTheCredentialProxy) {
    RulesetOptions options;
    options.intercept = InterceptRedirect{18082, {80, 443}, 0x2};
    auto enforcer = make_enforcer(sandbox(), options);
    enforcer->disable_nat_redirect();
    enforcer->install(example_policy());
    for (const auto& line : chain_rule_lines(sandbox(), "egress")) {
        EXPECT_EQ(line.find("18082"), std::string::npos) << line;
    }
}

// Drops CAP_NET_ADMIN from the calling thread's effective set (capabilities are per thread).
void drop_net_admin_from_this_thread() {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    ASSERT_EQ(syscall(SYS_capget, &header, data), 0);
    data[CAP_NET_ADMIN / 32].effective &= ~(1u << (CAP_NET_ADMIN % 32));
    ASSERT_EQ(syscall(SYS_capset, &header, data), 0);
}

TEST_F(NftTest, WithoutCapNetAdminTheErrorSaysSo) {
    std::string message;
    std::thread worker([&] {
        harness::NetnsScope scope(sandbox());
        drop_net_admin_from_this_thread();
        try {
            NftEnforcer enforcer(RulesetOptions{}, nullptr);
            enforcer.install(example_policy());
        } catch (const NftError& error) {
            message = error.what();
        }
    });
    worker.join();
    EXPECT_NE(message.find("installing nftables table inet opensandbox"), std::string::npos) << message;
    EXPECT_NE(message.find("Operation not permitted"), std::string::npos) << message;
    EXPECT_NE(message.find("CAP_NET_ADMIN"), std::string::npos) << message;
    EXPECT_TRUE(ruleset_items(list_ruleset(sandbox()), "table").empty());
}

}  // namespace
}  // namespace egress::nft::testing
