#include "nft/element_timeout.hpp"

#include <gtest/gtest.h>

namespace egress::nft {
namespace {

using std::chrono::seconds;

TEST(ElementTimeoutPolicy, DefaultsMatchUpstreamHead) {
    const ElementTimeoutPolicy policy;
    EXPECT_EQ(policy.timeout_for(0), seconds(60));
    EXPECT_EQ(policy.timeout_for(10), seconds(70));
    EXPECT_EQ(policy.timeout_for(300), seconds(360));
    EXPECT_EQ(policy.timeout_for(9999), seconds(360));
    EXPECT_EQ(policy.timeout_for(UINT32_MAX), seconds(360));
}

TEST(ElementTimeoutPolicy, ConfigurableClamp) {
    const ElementTimeoutPolicy policy{seconds(0), seconds(1), seconds(2)};
    EXPECT_EQ(policy.timeout_for(0), seconds(1));
    EXPECT_EQ(policy.timeout_for(1), seconds(1));
    EXPECT_EQ(policy.timeout_for(30), seconds(2));
}

TEST(ElementTimeoutPolicy, MinimumAboveMaximumYieldsMaximum) {
    const ElementTimeoutPolicy policy{seconds(0), seconds(100), seconds(10)};
    EXPECT_EQ(policy.timeout_for(50), seconds(10));
}

}  // namespace
}  // namespace egress::nft
