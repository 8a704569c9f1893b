#include "nft/learning_gate.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace egress::nft {
namespace {

TEST(LearningGate, LearnsEverythingUntilAPolicyIsEnforced) {
    LearningGate gate;
    int learned = 0;
    EXPECT_TRUE(gate.learn_if_allowed("any.test", [&] { ++learned; }));
    EXPECT_EQ(learned, 1);
}

TEST(LearningGate, AfterEnforceAnswersAreCheckedAgainstTheNewPolicy) {
    LearningGate gate([](std::string_view) { return true; });
    bool revoked = false;
    gate.enforce([](std::string_view name) { return name != "denied.test"; }, [&] { revoked = true; });
    EXPECT_TRUE(revoked);
    int learned = 0;
    EXPECT_FALSE(gate.learn_if_allowed("denied.test", [&] { ++learned; }));
    EXPECT_TRUE(gate.learn_if_allowed("other.test", [&] { ++learned; }));
    EXPECT_EQ(learned, 1);
}

TEST(LearningGate, ARefusedPolicyLeavesTheOldOneInForce) {
    LearningGate gate([](std::string_view name) { return name == "allowed.test"; });
    EXPECT_THROW(
        gate.enforce([](std::string_view) { return false; }, [] { throw std::runtime_error("refused"); }),
        std::runtime_error);
    EXPECT_TRUE(gate.learn_if_allowed("allowed.test", [] {}));
}

}  // namespace
}  // namespace egress::nft
