#include "policy/target.hpp"

#include <gtest/gtest.h>

#include <string>

#include "policy/policy_error.hpp"
#include "policy/rule.hpp"

namespace egress::policy {
namespace {

struct Accepted {
    const char* raw;
    TargetKind kind;
    const char* normalised;
};

TEST(ParseTarget, NormalisesValidTargets) {
    const Accepted cases[] = {
        {"example.com", TargetKind::domain, "example.com"},
        {"Example.COM", TargetKind::domain, "example.com"},
        {"example.com.", TargetKind::domain, "example.com"},
        {"  pypi.org\t", TargetKind::domain, "pypi.org"},
        {"*.example.com", TargetKind::wildcard, "*.example.com"},
        {"*.Example.com.", TargetKind::wildcard, "*.example.com"},
        {"_dmarc.example.com", TargetKind::domain, "_dmarc.example.com"},
        {"xn--bcher-kva.example", TargetKind::domain, "xn--bcher-kva.example"},
        {"localhost", TargetKind::domain, "localhost"},
        {"0x7f.example", TargetKind::domain, "0x7f.example"},
        {"1.2.3.4", TargetKind::address, "1.2.3.4"},
        {"2001:DB8:0:0::1", TargetKind::address, "2001:db8::1"},
        {"::ffff:1.2.3.4", TargetKind::address, "1.2.3.4"},  // IPv4 on the wire: matched as such
        {"::FFFF:10.1.2.3/104", TargetKind::cidr, "10.0.0.0/8"},
        {"10.0.0.0/8", TargetKind::cidr, "10.0.0.0/8"},
        {"10.1.2.3/8", TargetKind::cidr, "10.0.0.0/8"},
        {"10.1.2.3/32", TargetKind::cidr, "10.1.2.3/32"},
        {"2001:db8::1/32", TargetKind::cidr, "2001:db8::/32"},
        {"0.0.0.0/0", TargetKind::cidr, "0.0.0.0/0"},
    };
    for (const auto& expected : cases) {
        const Target target = parse_target(expected.raw);
        EXPECT_EQ(target.kind, expected.kind) << expected.raw;
        EXPECT_EQ(target.text, expected.normalised) << expected.raw;
        EXPECT_EQ(target.network.has_value(), !target.is_name()) << expected.raw;
    }
}

TEST(ParseTarget, KeepsMaskedNetwork) {
    const Target target = parse_target("192.168.77.1/16");
    ASSERT_TRUE(target.network);
    EXPECT_EQ(target.network->to_string(), "192.168.0.0/16");
    EXPECT_EQ(parse_target("1.2.3.4").network->to_string(), "1.2.3.4/32");
}

struct Rejected {
    const char* raw;
    const char* message_part;
};

TEST(ParseTarget, RejectsMalformedTargets) {
    const std::string long_label(64, 'a');
    const std::string long_name = std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                                  std::string(63, 'c') + "." + std::string(63, 'd');  // 255
    const Rejected cases[] = {
        {"1.2.3.4/33", "prefix length must be 0-32"},
        {"2001:db8::/129", "prefix length must be 0-128"},
        {"010.0.0.1", "not a valid IP address"},
        {"1.2.3", "not a valid IP address"},
        {"256.0.0.1", "not a valid IP address"},
        {"1.2.3.4.", "not a valid IP address"},
        {"123", "not a valid IP address"},
        {"fe80::1%eth0", "zoned IPv6"},
        {"::ffff:0:0/95", "IPv4-mapped IPv6 range needs a prefix length of at least 96"},
        {"10.0.0.0/08", "prefix length"},
        {"example.com/24", "bad address"},
        {"http://example.com", "bad address"},
        {"*", "wildcard"},
        {"*.", "needs a domain"},
        {"foo.*.com", "wildcard"},
        {"*example.com", "wildcard"},
        {"*.*.example.com", "wildcard"},
        {"a b.com", "may only contain"},
        {"exa!mple.com", "may only contain"},
        {"-example.com", "start or end with '-'"},
        {"example-.com", "start or end with '-'"},
        {"a..b", "empty label"},
        {".example.com", "empty label"},
        {"example.com..", "empty label"},
        {".", "empty name"},
        {"bücher.example", "punycode"},
        {long_label.c_str(), "longer than 63"},
        {long_name.c_str(), "longer than 253"},
    };
    for (const auto& expected : cases) {
        try {
            parse_target(expected.raw);
            ADD_FAILURE() << "accepted " << expected.raw;
        } catch (const PolicyError& error) {
            const std::string message = error.what();
            EXPECT_NE(message.find("invalid target \""), std::string::npos) << message;
            EXPECT_NE(message.find(expected.message_part), std::string::npos) << message;
        }
    }
}

TEST(ParseTarget, EmptyTargetKeepsUpstreamWording) {
    for (const char* raw : {"", "   ", "\t\n"}) {
        try {
            parse_target(raw);
            ADD_FAILURE() << "accepted blank target";
        } catch (const PolicyError& error) {
            EXPECT_STREQ(error.what(), "egress target cannot be empty");
        }
    }
}

TEST(ParseAction, AcceptsUpstreamSpellings) {
    EXPECT_EQ(parse_action("allow"), Action::allow);
    EXPECT_EQ(parse_action(" ALLOW "), Action::allow);
    EXPECT_EQ(parse_action("Deny"), Action::deny);
    EXPECT_EQ(parse_action(""), Action::deny);
    try {
        parse_action(" Block ");
        ADD_FAILURE() << "accepted block";
    } catch (const PolicyError& error) {
        EXPECT_STREQ(error.what(), "unsupported action \"block\"");
    }
}

TEST(MakeRule, ChecksActionBeforeTarget) {
    EXPECT_THROW(
        {
            try {
                make_rule("drop", "");
            } catch (const PolicyError& error) {
                EXPECT_STREQ(error.what(), "unsupported action \"drop\"");
                throw;
            }
        },
        PolicyError);
    const Rule rule = make_rule("allow", "PyPI.org.");
    EXPECT_EQ(rule.action, Action::allow);
    EXPECT_EQ(rule.target.text, "pypi.org");
}

}  // namespace
}  // namespace egress::policy
