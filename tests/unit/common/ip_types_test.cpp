#include <gtest/gtest.h>

#include "common/ip_address.hpp"
#include "common/ip_endpoint.hpp"
#include "common/ip_prefix.hpp"

using common::IpAddress;
using common::IpEndpoint;
using common::IpPrefix;

TEST(IpAddress, ParsesCanonicalForms) {
    EXPECT_EQ(IpAddress::parse("1.2.3.4")->to_string(), "1.2.3.4");
    EXPECT_TRUE(IpAddress::parse("1.2.3.4")->is_v4());
    EXPECT_EQ(IpAddress::parse("2001:DB8:0:0:0:0:0:1")->to_string(), "2001:db8::1");
    EXPECT_TRUE(IpAddress::parse("::ffff:1.2.3.4")->is_v6());
    EXPECT_EQ(IpAddress::parse("::")->bytes().size(), 16u);
}

TEST(IpAddress, RejectsAmbiguousOrZonedText) {
    for (const char* bad : {"010.0.0.1", "1.2.3", "1.2.3.4.5", "256.1.1.1", "fe80::1%eth0", "", " 1.2.3.4",
                            "1.2.3.4 ", "0x7f.0.0.1", "example.com", "1.2.3.4/32", ":::"}) {
        EXPECT_FALSE(IpAddress::parse(bad).has_value()) << bad;
    }
    EXPECT_THROW(IpAddress::parse_or_throw("010.0.0.1"), std::invalid_argument);
}

TEST(IpAddress, ClassifiesLoopbackAndUnspecified) {
    EXPECT_TRUE(IpAddress::parse("127.0.0.11")->is_loopback());
    EXPECT_TRUE(IpAddress::parse("::1")->is_loopback());
    EXPECT_FALSE(IpAddress::parse("10.0.0.1")->is_loopback());
    EXPECT_TRUE(IpAddress::parse("0.0.0.0")->is_unspecified());
    EXPECT_TRUE(IpAddress::parse("::")->is_unspecified());
    EXPECT_FALSE(IpAddress::parse("::2")->is_unspecified());
}

TEST(IpAddress, OrdersV4BeforeV6) {
    EXPECT_LT(*IpAddress::parse("255.255.255.255"), *IpAddress::parse("::"));
    EXPECT_LT(*IpAddress::parse("1.2.3.4"), *IpAddress::parse("1.2.3.5"));
}

TEST(IpPrefix, ParsesAndMasks) {
    auto prefix = IpPrefix::parse("10.1.2.3/8");
    ASSERT_TRUE(prefix);
    EXPECT_TRUE(prefix->has_host_bits());
    EXPECT_EQ(prefix->masked().to_string(), "10.0.0.0/8");
    EXPECT_EQ(IpPrefix::parse("2001:db8:ffff::1/33")->masked().to_string(), "2001:db8:8000::/33");
    EXPECT_EQ(IpPrefix::parse("1.2.3.4/0")->masked().to_string(), "0.0.0.0/0");
    EXPECT_FALSE(IpPrefix::parse("10.0.0.0/8")->has_host_bits());
}

TEST(IpPrefix, RejectsBadLengths) {
    for (const char* bad : {"1.2.3.4/33", "::/129", "1.2.3.4/", "1.2.3.4/08", "1.2.3.4/-1", "1.2.3.4/a",
                            "010.0.0.0/8", "1.2.3.4", "fe80::1%eth0/64"}) {
        EXPECT_FALSE(IpPrefix::parse(bad).has_value()) << bad;
    }
    try {
        IpPrefix::parse_or_throw("1.2.3.4/33");
        FAIL() << "expected an exception";
    } catch (const std::invalid_argument& error) {
        EXPECT_STREQ(error.what(), "invalid CIDR \"1.2.3.4/33\": prefix length must be 0-32");
    }
}

TEST(IpPrefix, ContainsAddressesAndPrefixes) {
    auto net = IpPrefix::parse_or_throw("100.64.0.0/10");
    EXPECT_TRUE(net.contains(IpAddress::parse_or_throw("100.100.2.136")));
    EXPECT_FALSE(net.contains(IpAddress::parse_or_throw("100.128.0.1")));
    EXPECT_FALSE(net.contains(IpAddress::parse_or_throw("::ffff:100.100.2.136")));
    EXPECT_TRUE(net.contains(IpPrefix::parse_or_throw("100.96.0.0/11")));
    EXPECT_TRUE(net.contains(net));
    EXPECT_FALSE(IpPrefix::parse_or_throw("100.96.0.0/11").contains(net));
    EXPECT_TRUE(IpPrefix::parse_or_throw("::/0").contains(IpAddress::parse_or_throw("2001:db8::1")));
}

TEST(IpPrefix, CompactStringDropsHostLength) {
    EXPECT_EQ(IpPrefix::host(IpAddress::parse_or_throw("1.1.1.1")).to_compact_string(), "1.1.1.1");
    EXPECT_EQ(IpPrefix::parse_or_throw("2001:db8::1/128").to_compact_string(), "2001:db8::1");
    EXPECT_EQ(IpPrefix::parse_or_throw("2.2.0.0/16").to_compact_string(), "2.2.0.0/16");
}

TEST(IpEndpoint, ParsesWithAndWithoutPorts) {
    EXPECT_EQ(IpEndpoint::parse("10.0.0.2", 53)->to_string(), "10.0.0.2:53");
    EXPECT_EQ(IpEndpoint::parse("10.0.0.2:5353", 53)->port(), 5353);
    EXPECT_EQ(IpEndpoint::parse("::1", 53)->to_string(), "[::1]:53");
    EXPECT_EQ(IpEndpoint::parse("[fd00::2]", 53)->to_string(), "[fd00::2]:53");
    EXPECT_EQ(IpEndpoint::parse("[fd00::2]:54", 53)->port(), 54);
    for (const char* bad : {"dns.google", "dns.google:53", "10.0.0.2:0", "10.0.0.2:65536", "[10.0.0.2]:53",
                            "[::1", "[::1]x", "10.0.0.2:", ""}) {
        EXPECT_FALSE(IpEndpoint::parse(bad, 53).has_value()) << bad;
    }
}

TEST(IpEndpoint, RoundTripsThroughSockaddr) {
    for (const char* text : {"192.0.2.7:853", "[2001:db8::7]:53"}) {
        auto endpoint = IpEndpoint::parse_or_throw(text, 1);
        sockaddr_storage storage{};
        socklen_t length = endpoint.to_sockaddr(storage);
        auto back = IpEndpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&storage), length);
        ASSERT_TRUE(back);
        EXPECT_EQ(*back, endpoint);
    }
}
