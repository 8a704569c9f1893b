#include "nft/learning_gate.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>

#include <stdexcept>

namespace egress::nft {
namespace {

const PortGrant kEveryPort{};

const PortGrant* all_but(std::string_view denied, std::string_view name) {
    return name == denied ? nullptr : &kEveryPort;
}

TEST(LearningGate, LearnsEverythingOnEveryPortUntilAPolicyIsEnforced) {
    LearningGate gate;
    std::optional<PortGrant> learned;
    EXPECT_TRUE(gate.learn_if_allowed("any.test", [&](const PortGrant& grant) { learned = grant; }));
    EXPECT_EQ(learned, kEveryPort);
}

TEST(LearningGate, AfterEnforceAnswersAreCheckedAgainstTheNewPolicy) {
    LearningGate gate([](std::string_view name) { return all_but("", name); });
    bool revoked = false;
    gate.enforce([](std::string_view name) { return all_but("denied.test", name); }, [&] { revoked = true; });
    EXPECT_TRUE(revoked);
    int learned = 0;
    EXPECT_FALSE(gate.learn_if_allowed("denied.test", [&](const PortGrant&) { ++learned; }));
    EXPECT_TRUE(gate.learn_if_allowed("other.test", [&](const PortGrant&) { ++learned; }));
    EXPECT_EQ(learned, 1);
}

TEST(LearningGate, LearningGetsTheNamesGrant) {
    const PortGrant https{false, {{IPPROTO_TCP, 443}}};
    LearningGate gate([&](std::string_view) { return &https; });
    std::optional<PortGrant> learned;
    EXPECT_TRUE(gate.learn_if_allowed("api.test", [&](const PortGrant& grant) { learned = grant; }));
    EXPECT_EQ(learned, https);
}

TEST(LearningGate, ARefusedPolicyLeavesTheOldOneInForce) {
    LearningGate gate([](std::string_view name) { return name == "allowed.test" ? &kEveryPort : nullptr; });
    EXPECT_THROW(gate.enforce([](std::string_view) -> const PortGrant* { return nullptr; },
                              [] { throw std::runtime_error("refused"); }),
                 std::runtime_error);
    EXPECT_TRUE(gate.learn_if_allowed("allowed.test", [](const PortGrant&) {}));
}

}  // namespace
}  // namespace egress::nft
