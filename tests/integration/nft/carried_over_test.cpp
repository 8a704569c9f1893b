// Learned elements carried over a reinstall (an egress restart): those the policy still opens for
// their name keep working with the time they had left; the rest are gone.
#include <netinet/in.h>

#include "harness/command.hpp"
#include "nft_fixture.hpp"

namespace egress::nft::testing {
namespace {

const PortGrant kCarriedApiPorts{false, {{IPPROTO_TCP, 8080}}};

// api.test on TCP 8080 only; *.denied.test denied; any other name on every port.
const PortGrant* carried_grants(std::string_view name) {
    if (name == "api.test") {
        return &kCarriedApiPorts;
    }
    return name.ends_with(".denied.test") ? nullptr : &every_port();
}

class CarriedOverTest : public LearningNftTest {
  protected:
    void SetUp() override {
        LearningNftTest::SetUp();
        if (IsSkipped()) {
            return;
        }
        writer_ = writer({}, std::make_shared<LearningGate>(carried_grants));
        ASSERT_TRUE(writer_->resolve_and_wait("kept.test", {resolved("198.18.50.1", 300)}));
        ASSERT_TRUE(writer_->resolve_and_wait("gone.denied.test", {resolved("198.18.50.2", 300)}));
        ASSERT_TRUE(writer_->resolve_and_wait("api.test", {resolved("198.18.50.3", 300)}));
    }

    std::string listing(const std::string& set) {
        return harness::run_checked(
            {"ip", "netns", "exec", sandbox(), "nft", "list", "set", "inet", "opensandbox", set});
    }

    std::unique_ptr<WriterThread> writer_;
};

TEST_F(CarriedOverTest, ElementsCarryTheirNameInTheirComment) {
    EXPECT_NE(listing("dyn_allow_v4").find(R"(comment "kept.test")"), std::string::npos)
        << listing("dyn_allow_v4");
    EXPECT_NE(listing("dyn_port_allow_v4").find(R"(comment "api.test")"), std::string::npos)
        << listing("dyn_port_allow_v4");
}

TEST_F(CarriedOverTest, AReinstallKeepsWhatThePolicyStillOpensWithTheTimeItHadLeft) {
    // The writer's grants said gone.denied.test may be learned; the new policy denies it.
    auto restarted_provenance = std::make_shared<AddressProvenance>();
    auto restarted = make_enforcer(sandbox(), RulesetOptions{}, restarted_provenance);
    EXPECT_EQ(restarted->install(FilterPolicy{}, carried_grants), 2u);
    EXPECT_TRUE(reachable("198.18.50.1"));
    EXPECT_FALSE(reachable("198.18.50.2"));
    EXPECT_TRUE(reachable("198.18.50.3", kPort));
    EXPECT_EQ(restarted_provenance->names_of(common::IpAddress::parse_or_throw("198.18.50.1")),
              std::vector<std::string>{"kept.test"});
    const auto learned = restarted_provenance->learned(common::IpAddress::parse_or_throw("198.18.50.3"),
                                                       AddressProvenance::Clock::now());
    ASSERT_TRUE(learned);
    EXPECT_EQ(learned->ports, (std::vector<L4Port>{{IPPROTO_TCP, 8080}}));
    EXPECT_GT(learned->expires - AddressProvenance::Clock::now(), 300s)
        << "the time it had left, not a new one";
    EXPECT_EQ(listing("dyn_allow_v4").find("198.18.50.2"), std::string::npos);

    // A policy change after the restart revokes a carried-over element like any other.
    const auto revoked = restarted->apply(FilterPolicy{}, no_name);
    EXPECT_EQ(revoked.addresses, std::vector{common::IpAddress::parse_or_throw("198.18.50.1")});
    EXPECT_FALSE(reachable("198.18.50.1"));
}

TEST_F(CarriedOverTest, AnInstallWithoutGrantsStartsEmpty) {
    auto restarted = make_enforcer(sandbox(), RulesetOptions{}, std::make_shared<AddressProvenance>());
    EXPECT_EQ(restarted->install(FilterPolicy{}), 0u);
    EXPECT_FALSE(reachable("198.18.50.1"));
}

}  // namespace
}  // namespace egress::nft::testing
