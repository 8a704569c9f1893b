// The DNS redirect written with iptables/ip6tables (OPENSANDBOX_EGRESS_REDIRECT=iptables), as on a
// kernel without nf_tables nat. The rules are read back with iptables-legacy, the backend the
// sidecar prefers when it is installed.
#include <signal.h>

#include "egress_binary_fixture.hpp"

namespace {

using namespace egress_binary_test;

constexpr const char* kIptablesRedirect = "OPENSANDBOX_EGRESS_REDIRECT=iptables";

// `<command> -t <table> -S` in the sandbox.
std::string list_rules(const Topology& topology, const std::string& command, const std::string& table) {
    return harness::run_checked({"ip", "netns", "exec", topology.sandbox(), command, "-t", table, "-S"});
}

// Every iptables and ip6tables rule of the nat and raw tables, one listing.
std::string all_rules(const Topology& topology) {
    std::string text;
    for (const char* command : {"iptables-legacy", "ip6tables-legacy"}) {
        for (const char* table : {"nat", "raw"}) {
            text +=
                "# " + std::string(command) + " -t " + table + "\n" + list_rules(topology, command, table);
        }
    }
    return text;
}

class IptablesFallbackTest : public EgressBinaryTest {
  protected:
    void SetUp() override {
        EgressBinaryTest::SetUp();
        if (IsSkipped()) {
            return;
        }
        if (harness::run_command({"iptables-legacy", "--version"}).exit_code != 0) {
            GTEST_SKIP() << "iptables-legacy is not installed (scripts/setup.sh installs package iptables)";
        }
    }

    void start_with_fallback(std::vector<std::string> environment) {
        environment.push_back(kIptablesRedirect);
        environment.push_back(std::string("OPENSANDBOX_EGRESS_RULES=") + kAllowStarAllowed);
        start(std::move(environment));
    }
};

TEST_F(IptablesFallbackTest, RulesAreInstalledExactlyOnceAcrossRestarts) {
    start_with_fallback({"OPENSANDBOX_EGRESS_MODE=dns+nft"});
    ASSERT_TRUE(wait_until_serving()) << process_->read_log();
    EXPECT_NE(process_->read_log().find("DNS redirect to port 15353 by iptables"), std::string::npos)
        << process_->read_log();
    process_->kill();
    start_with_fallback({"OPENSANDBOX_EGRESS_MODE=dns+nft"});
    ASSERT_TRUE(wait_until_serving()) << process_->read_log();

    for (const char* command : {"iptables-legacy", "ip6tables-legacy"}) {
        SCOPED_TRACE(command);
        const std::string nat = list_rules(*topology_, command, "nat");
        EXPECT_EQ(count_of(nat,
                           "-A OUTPUT -p udp -m udp --dport 53 -m mark ! --mark 0x1 -j REDIRECT "
                           "--to-ports 15353"),
                  1u)
            << nat;
        EXPECT_EQ(count_of(nat,
                           "-A OUTPUT -p tcp -m tcp --dport 53 -m mark ! --mark 0x1 -j REDIRECT "
                           "--to-ports 15353"),
                  1u)
            << nat;
        EXPECT_EQ(count_of(nat, "-A "), 2u) << nat;
        const std::string raw = list_rules(*topology_, command, "raw");
        EXPECT_EQ(count_of(raw, "-A OUTPUT -p udp -m udp --dport 53 -m mark --mark 0x1 -j CT --notrack"), 1u)
            << raw;
        EXPECT_EQ(count_of(raw, "-A PREROUTING -p tcp -m tcp --sport 53 -j CT --notrack"), 1u) << raw;
        EXPECT_EQ(count_of(raw, "-A "), 4u) << raw;
    }
    const std::string nft = nft_ruleset(*topology_);
    EXPECT_EQ(count_of(nft, "chain egress"), 1u) << nft;
    EXPECT_EQ(nft.find("redirect"), std::string::npos) << "no nft nat chain with the fallback\n" << nft;
    EXPECT_EQ(nft.find("notrack"), std::string::npos) << nft;
}

TEST_F(IptablesFallbackTest, WorkloadDnsIsRedirectedAndMarkedQueriesAreNot) {
    start_with_fallback({"OPENSANDBOX_EGRESS_MODE=dns"});
    ASSERT_TRUE(wait_until_serving()) << process_->read_log();
    for (bool tcp : {false, true}) {
        SCOPED_TRACE(tcp ? "tcp" : "udp");
        EXPECT_EQ(query_real_resolver(*topology_, "other.test", tcp).rcode, harness::kRcodeNxDomain);
        const auto allowed = query_real_resolver(*topology_, "www.allowed.test", tcp);
        EXPECT_EQ(allowed.addresses(), std::vector<std::string>{"198.51.100.10"})
            << "error " << allowed.error << "\n"
            << all_rules(*topology_) << process_->read_log();
    }
    EXPECT_EQ(upstream_->query_count("other.test"), 0u) << "a denied name reached the resolver";

    const auto marked =
        harness::dns_query_udp_from(topology_->sandbox(), {0, 0x1}, std::string(Topology::kUpstreamIpv4), 53,
                                    "marked.leak.test", kDnsTypeA, 1000ms);
    EXPECT_EQ(marked.rcode, harness::kRcodeNxDomain);
    EXPECT_EQ(upstream_->query_count("marked.leak.test"), 1u)
        << "a marked query (the proxy's own) must reach the resolver, not the proxy";
}

TEST_F(IptablesFallbackTest, ExemptResolversAreNotRedirected) {
    start_with_fallback({"OPENSANDBOX_EGRESS_MODE=dns",
                         "OPENSANDBOX_EGRESS_NAMESERVER_EXEMPT=" + std::string(Topology::kUpstreamIpv4)});
    ASSERT_TRUE(wait_until_serving()) << process_->read_log();
    const std::string nat = list_rules(*topology_, "iptables-legacy", "nat");
    EXPECT_NE(
        nat.find("-A OUTPUT -d 10.77.0.1/32 -p udp -m udp --dport 53 -j RETURN\n-A OUTPUT -d 10.77.0.1/32 "
                 "-p tcp -m tcp --dport 53 -j RETURN\n-A OUTPUT -p udp"),
        std::string::npos)
        << "the exemptions come first\n"
        << nat;
    EXPECT_EQ(query_real_resolver(*topology_, "other.test").addresses(),
              std::vector<std::string>{"198.51.100.20"})
        << "a name the policy denies, answered by the exempt resolver itself";
    EXPECT_EQ(upstream_->query_count("other.test"), 1u);
}

TEST_F(IptablesFallbackTest, CleanupOnExitRemovesTheRules) {
    start_with_fallback({"OPENSANDBOX_EGRESS_MODE=dns+nft", "OPENSANDBOX_EGRESS_CLEANUP_ON_EXIT=true"});
    ASSERT_TRUE(wait_until_serving()) << process_->read_log();
    ASSERT_EQ(count_of(all_rules(*topology_), "-A "), 12u) << all_rules(*topology_);
    process_->signal(SIGTERM);
    ASSERT_EQ(process_->wait(5s), std::optional<int>(0)) << process_->read_log();
    EXPECT_EQ(count_of(all_rules(*topology_), "-A "), 0u) << all_rules(*topology_);
    EXPECT_EQ(nft_ruleset(*topology_).find("table inet opensandbox"), std::string::npos);
}

TEST_F(IptablesFallbackTest, RulesStayAfterSigtermByDefault) {
    start_with_fallback({"OPENSANDBOX_EGRESS_MODE=dns"});
    ASSERT_TRUE(wait_until_serving()) << process_->read_log();
    process_->signal(SIGTERM);
    ASSERT_EQ(process_->wait(5s), std::optional<int>(0)) << process_->read_log();
    EXPECT_EQ(count_of(all_rules(*topology_), "-A "), 12u) << all_rules(*topology_);
}

TEST_F(IptablesFallbackTest, AMissingIptablesProgramIsAClearStartupError) {
    start_with_fallback(
        {"OPENSANDBOX_EGRESS_MODE=dns+nft", "OPENSANDBOX_EGRESS_IPTABLES=/nonexistent/iptables"});
    const auto status = process_->wait(5s);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(*status, 1);
    EXPECT_NE(process_->read_log().find("cannot run /nonexistent/iptables: No such file or directory"),
              std::string::npos)
        << process_->read_log();
}

TEST_F(IptablesFallbackTest, AFailingIptablesCommandIsReportedWithItsOutput) {
    start_with_fallback({"OPENSANDBOX_EGRESS_MODE=dns", "OPENSANDBOX_EGRESS_IPTABLES=false"});
    const auto status = process_->wait(5s);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(*status, 1);
    const std::string log = process_->read_log();
    EXPECT_NE(log.find("'false -w 5 -t nat -I OUTPUT 1 -p udp --dport 53"), std::string::npos) << log;
    EXPECT_NE(log.find("failed with exit status 1"), std::string::npos) << log;
}

TEST_F(IptablesFallbackTest, AnInvalidRedirectValueIsAClearStartupError) {
    start({"OPENSANDBOX_EGRESS_REDIRECT=legacy"});
    const auto status = process_->wait(5s);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(*status, 1);
    EXPECT_NE(process_->read_log().find(
                  R"(OPENSANDBOX_EGRESS_REDIRECT: "legacy" is not one of auto, nft, iptables)"),
              std::string::npos)
        << process_->read_log();
}

}  // namespace
