#include "nft/iptables_rules.hpp"

#include <gtest/gtest.h>

namespace egress::nft {
namespace {

using common::IpAddress;
using common::IpFamily;
using Words = std::vector<std::string>;

TEST(IptablesRules, RedirectAndNotrackRulesForBothFamilies) {
    const auto rules = dns_redirect_rules({15353, 0x1, {}});
    ASSERT_EQ(rules.size(), 12u);
    for (size_t index = 0; index < 6; ++index) {
        EXPECT_EQ(rules[index].family, IpFamily::v4);
        EXPECT_EQ(rules[index + 6].family, IpFamily::v6);
        EXPECT_EQ(rules[index].match, rules[index + 6].match);
    }
    EXPECT_EQ(rules[0].table, "nat");
    EXPECT_EQ(rules[0].chain, "OUTPUT");
    EXPECT_EQ(rules[0].match, (Words{"-p", "udp", "--dport", "53", "-m", "mark", "!", "--mark", "0x1", "-j",
                                     "REDIRECT", "--to-ports", "15353"}));
    EXPECT_EQ(rules[1].match[1], "tcp");
    EXPECT_EQ(rules[2].table, "raw");
    EXPECT_EQ(rules[2].chain, "OUTPUT");
    EXPECT_EQ(rules[2].match,
              (Words{"-p", "udp", "--dport", "53", "-m", "mark", "--mark", "0x1", "-j", "CT", "--notrack"}));
    EXPECT_EQ(rules[4].chain, "PREROUTING");
    EXPECT_EQ(rules[4].match, (Words{"-p", "udp", "--sport", "53", "-j", "CT", "--notrack"}));
    EXPECT_EQ(rules[5].match[1], "tcp");
}

TEST(IptablesRules, ExemptResolversComeBeforeTheRedirectOfTheirFamily) {
    const auto rules = dns_redirect_rules(
        {5353, 0x2a, {IpAddress::parse_or_throw("10.0.0.2"), IpAddress::parse_or_throw("fd00::53")}});
    ASSERT_EQ(rules.size(), 16u);
    EXPECT_EQ(rules[0].match, (Words{"-d", "10.0.0.2", "-p", "udp", "--dport", "53", "-j", "RETURN"}));
    EXPECT_EQ(rules[1].match[3], "tcp");
    EXPECT_EQ(rules[2].match.back(), "5353");
    EXPECT_EQ(rules[2].match[8], "0x2a");
    EXPECT_EQ(rules[8].family, IpFamily::v6);
    EXPECT_EQ(rules[8].match, (Words{"-d", "fd00::53", "-p", "udp", "--dport", "53", "-j", "RETURN"}));
}

TEST(IptablesRules, DescribeNamesTheCommandTableAndChain) {
    const auto rules = dns_redirect_rules({15353, 0x1, {}});
    EXPECT_EQ(rules[6].describe(),
              "ip6tables -t nat OUTPUT -p udp --dport 53 -m mark ! --mark 0x1 -j REDIRECT --to-ports 15353");
}

}  // namespace
}  // namespace egress::nft
