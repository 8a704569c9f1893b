#include "nft/use_order.hpp"

#include <gtest/gtest.h>

namespace egress::nft {
namespace {

const common::IpAddress kFirst = common::IpAddress::parse_or_throw("198.51.100.1");
const common::IpAddress kSecond = common::IpAddress::parse_or_throw("198.51.100.2");
const common::IpAddress kThird = common::IpAddress::parse_or_throw("2001:db8::3");

TEST(UseOrder, TheLeastRecentlyUsedIsTheOneTouchedLongestAgo) {
    UseOrder order;
    EXPECT_TRUE(order.empty());
    const uint64_t first = order.touch(kFirst);
    order.touch(kSecond);
    order.touch(kThird);
    EXPECT_EQ(order.least_recent(), kFirst);
    EXPECT_GT(order.touch(kFirst), first) << "a later use, a higher number";
    EXPECT_EQ(order.least_recent(), kSecond);
    EXPECT_GT(order.last_use(kFirst), order.last_use(kThird));
}

TEST(UseOrder, AForgottenAddressLeavesTheOrder) {
    UseOrder order;
    order.touch(kFirst);
    order.touch(kSecond);
    order.forget(kFirst);
    order.forget(kThird);  // never there: nothing happens
    EXPECT_EQ(order.least_recent(), kSecond);
    EXPECT_EQ(order.last_use(kFirst), 0u);
    order.forget(kSecond);
    EXPECT_TRUE(order.empty());
}

}  // namespace
}  // namespace egress::nft
