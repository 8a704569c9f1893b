#include "dns/upstream_config.hpp"

#include <gtest/gtest.h>

namespace egress::dns {
namespace {

std::vector<std::string> as_strings(const std::vector<common::IpEndpoint>& endpoints) {
    std::vector<std::string> out;
    for (const auto& endpoint : endpoints) {
        out.push_back(endpoint.to_string());
    }
    return out;
}

TEST(ParseUpstreamList, AcceptsLiteralsWithOptionalPorts) {
    EXPECT_EQ(as_strings(parse_upstream_list(" 10.0.0.2, 10.0.0.3:5353 ,[fd00::2]:54,fd00::3,,10.0.0.2")),
              (std::vector<std::string>{"10.0.0.2:53", "10.0.0.3:5353", "[fd00::2]:54", "[fd00::3]:53"}));
    EXPECT_TRUE(parse_upstream_list("").empty());
}

TEST(ParseUpstreamList, RejectsHostNamesWithTheEntryInTheMessage) {
    try {
        parse_upstream_list("10.0.0.2,dns.google");
        FAIL() << "expected an exception";
    } catch (const std::invalid_argument& error) {
        EXPECT_NE(std::string(error.what()).find("\"dns.google\""), std::string::npos) << error.what();
    }
    EXPECT_THROW(parse_upstream_list("10.0.0.2:99999"), std::invalid_argument);
}

TEST(ResolvConf, ReadsNameserversInOrder) {
    const char* text =
        "# generated\nsearch svc.cluster.local\nnameserver 127.0.0.11\nnameserver\t10.96.0.10  # kube-dns\n"
        "nameserver 0.0.0.0\nnameserver not-an-ip\nnameservers 1.1.1.1\nnameserver fd00::53\noptions "
        "ndots:5\n";
    auto nameservers = nameservers_from_resolv_conf(text);
    ASSERT_EQ(nameservers.size(), 4u);
    EXPECT_EQ(nameservers[0].to_string(), "127.0.0.11");
    EXPECT_EQ(nameservers[1].to_string(), "10.96.0.10");
    EXPECT_EQ(nameservers[3].to_string(), "fd00::53");
}

TEST(ResolvConf, OrdersNonLoopbackFirstAndDropsUnspecified) {
    auto nameservers = nameservers_from_resolv_conf(
        "nameserver 127.0.0.11\nnameserver 0.0.0.0\nnameserver 192.168.1.1\nnameserver 192.168.1.1\n"
        "nameserver ::1\nnameserver fd00::53\n");
    EXPECT_EQ(as_strings(upstreams_from_nameservers(nameservers)),
              (std::vector<std::string>{"192.168.1.1:53", "[fd00::53]:53", "127.0.0.11:53", "[::1]:53"}));
}

TEST(ResolvConf, CapsTheUpstreamCount) {
    std::string text;
    for (int i = 1; i <= 15; ++i) {
        text += "nameserver 10.0.0." + std::to_string(i) + "\n";
    }
    EXPECT_EQ(upstreams_from_nameservers(nameservers_from_resolv_conf(text)).size(), kMaxResolvConfUpstreams);
}

TEST(ExemptList, KeepsSingleIpsAndReportsTheRest) {
    auto list = parse_exempt_list("10.0.0.9, 10.0.0.0/8, fd00::9, bogus, 10.0.0.9");
    ASSERT_EQ(list.addresses.size(), 2u);
    EXPECT_EQ(list.addresses[1].to_string(), "fd00::9");
    EXPECT_EQ(list.rejected, (std::vector<std::string>{"10.0.0.0/8", "bogus"}));
}

}  // namespace
}  // namespace egress::dns
