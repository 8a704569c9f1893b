#include "nft/interval_elements.hpp"

#include <gtest/gtest.h>

namespace egress::nft {
namespace {

using common::IpPrefix;

std::vector<IpPrefix> prefixes(std::initializer_list<const char*> texts) {
    std::vector<IpPrefix> result;
    for (const char* text : texts) {
        result.push_back(IpPrefix::parse_or_throw(text));
    }
    return result;
}

IntervalBoundary v4(std::array<uint8_t, 4> bytes, bool end) {
    IntervalBoundary boundary;
    std::copy(bytes.begin(), bytes.end(), boundary.key.begin());
    boundary.key_length = 4;
    boundary.interval_end = end;
    return boundary;
}

TEST(NormalizePrefixes, MasksDeduplicatesAndDropsContainedPrefixes) {
    const auto normalized = normalize_prefixes(
        prefixes({"10.1.2.3/8", "100.100.2.136/32", "100.64.0.0/10", "10.0.0.0/8", "1.1.1.1/32"}));
    EXPECT_EQ(normalized, prefixes({"1.1.1.1/32", "10.0.0.0/8", "100.64.0.0/10"}));
}

TEST(NormalizePrefixes, KeepsFamiliesApart) {
    const auto normalized = normalize_prefixes(prefixes({"::/0", "0.0.0.0/0", "2001:db8::1/128"}));
    EXPECT_EQ(normalized, prefixes({"0.0.0.0/0", "::/0"}));
}

TEST(IntervalBoundaries, EncodesLikeNftWithLeadingZeroEnd) {
    const auto boundaries = interval_boundaries(prefixes({"1.2.3.4/32", "10.0.0.0/8"}));
    const std::vector<IntervalBoundary> expected = {v4({0, 0, 0, 0}, true), v4({1, 2, 3, 4}, false),
                                                    v4({1, 2, 3, 5}, true), v4({10, 0, 0, 0}, false),
                                                    v4({11, 0, 0, 0}, true)};
    EXPECT_EQ(boundaries, expected);
}

TEST(IntervalBoundaries, WholeSpaceHasNoEndAndNoGap) {
    const auto boundaries = interval_boundaries(prefixes({"0.0.0.0/0"}));
    EXPECT_EQ(boundaries, std::vector<IntervalBoundary>{v4({0, 0, 0, 0}, false)});
}

TEST(IntervalBoundaries, RangeTouchingTheTopHasNoEnd) {
    const auto boundaries = interval_boundaries(prefixes({"255.255.255.0/24"}));
    const std::vector<IntervalBoundary> expected = {v4({0, 0, 0, 0}, true), v4({255, 255, 255, 0}, false)};
    EXPECT_EQ(boundaries, expected);
}

TEST(IntervalBoundaries, Ipv6EndCarriesAcrossBytes) {
    const auto boundaries = interval_boundaries(prefixes({"2001:db8:ffff:ffff::/64"}));
    ASSERT_EQ(boundaries.size(), 3u);
    EXPECT_EQ(boundaries[2].key_length, 16);
    const auto expected_end = common::IpAddress::parse_or_throw("2001:db9::");
    EXPECT_TRUE(
        std::equal(expected_end.bytes().begin(), expected_end.bytes().end(), boundaries[2].key.begin()));
    EXPECT_TRUE(boundaries[2].interval_end);
}

}  // namespace
}  // namespace egress::nft
