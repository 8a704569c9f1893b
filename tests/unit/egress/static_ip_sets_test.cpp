#include "policy/static_ip_sets.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "policy/policy_json.hpp"

namespace egress::policy {
namespace {

using common::IpPrefix;

std::vector<std::string> texts(const std::vector<IpPrefix>& prefixes) {
    std::vector<std::string> result;
    for (const auto& prefix : prefixes) {
        result.push_back(prefix.to_compact_string());
    }
    return result;
}

std::vector<IpPrefix> prefixes(std::initializer_list<const char*> texts) {
    std::vector<IpPrefix> result;
    for (const char* text : texts) {
        const auto address = common::IpAddress::parse(text);
        result.push_back(address ? IpPrefix::host(*address) : IpPrefix::parse_or_throw(text));
    }
    return result;
}

TEST(NormalizeIntervalSet, CollapsesContainedAndDuplicatePrefixes) {
    EXPECT_EQ(texts(normalize_interval_set(prefixes({"100.100.2.136", "100.64.0.0/10"}))),
              (std::vector<std::string>{"100.64.0.0/10"}));
    EXPECT_EQ(texts(normalize_interval_set(prefixes({"10.0.0.1", "10.0.0.1/32", "10.0.0.1"}))),
              (std::vector<std::string>{"10.0.0.1"}));
    EXPECT_EQ(texts(normalize_interval_set(prefixes({"10.1.2.3/8", "10.0.0.0/16", "11.0.0.0/8", "9.9.9.9"}))),
              (std::vector<std::string>{"9.9.9.9", "10.0.0.0/8", "11.0.0.0/8"}));
    EXPECT_EQ(
        texts(normalize_interval_set(prefixes({"2001:db8::1", "2001:db8::/32", "2001:db9::/48", "::1"}))),
        (std::vector<std::string>{"::1", "2001:db8::/32", "2001:db9::/48"}));
    EXPECT_TRUE(normalize_interval_set({}).empty());
}

TEST(NormalizeIntervalSet, KeepsSiblingsAfterANestedRun) {
    // 10.0.0.0/8 covers the next two; 10.0.0.0/24 must not hide 10.1.0.0/16 and 12.0.0.0/8.
    EXPECT_EQ(texts(normalize_interval_set(prefixes({"10.0.0.0/24", "12.0.0.0/8", "10.1.0.0/16"}))),
              (std::vector<std::string>{"10.0.0.0/24", "10.1.0.0/16", "12.0.0.0/8"}));
    EXPECT_EQ(texts(normalize_interval_set(prefixes({"0.0.0.0/0", "10.0.0.0/24", "255.255.255.255"}))),
              (std::vector<std::string>{"0.0.0.0/0"}));
}

TEST(BuildStaticIpSets, SplitsByActionAndFamilyAndIgnoresNames) {
    const Policy policy = parse_policy(R"({"egress":[
        {"action":"allow","target":"203.0.113.0/24"},
        {"action":"allow","target":"203.0.113.9"},
        {"action":"deny","target":"10.0.0.0/8"},
        {"action":"deny","target":"2001:db8::1"},
        {"action":"allow","target":"2001:db8::/32"},
        {"action":"allow","target":"example.com"},
        {"action":"deny","target":"*.example.com"}]})");
    const StaticIpSets sets = build_static_ip_sets(policy.rules);
    EXPECT_EQ(texts(sets.allow_v4), (std::vector<std::string>{"203.0.113.0/24"}));
    EXPECT_EQ(texts(sets.deny_v4), (std::vector<std::string>{"10.0.0.0/8"}));
    EXPECT_EQ(texts(sets.allow_v6), (std::vector<std::string>{"2001:db8::/32"}));
    // Deny keeps its own entry even inside an allowed network: nft drops deny first.
    EXPECT_EQ(texts(sets.deny_v6), (std::vector<std::string>{"2001:db8::1"}));
}

}  // namespace
}  // namespace egress::policy
