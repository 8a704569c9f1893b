// Learned addresses: ack-before-release, timeouts, refresh, and revocation on policy change.
#include <regex>

#include "nft_fixture.hpp"

namespace egress::nft::testing {
namespace {

std::string learned_v4(int index) {
    return "198.18." + std::to_string(index / 250) + "." + std::to_string(index % 250 + 1);
}

class DynamicSetTest : public LearningNftTest {
  protected:
    std::unique_ptr<WriterThread> make_writer(ElementTimeoutPolicy timeouts = {}) {
        DynamicAllowWriter::Options options;
        options.timeouts = timeouts;
        return writer(options);
    }
};

// Counts, in the sandbox, TCP packets to 198.18.0.0/16 that fall through to the chain's final
// drop: the exact signature of a connection that raced the dynamic set.
class FallThroughCounter {
  public:
    explicit FallThroughCounter(const std::string& sandbox) : sandbox_(sandbox) {
        const std::string listing = nft({"-a", "list", "chain", "inet", "opensandbox", "egress"});
        std::smatch handle;
        if (!std::regex_search(listing, handle,
                               std::regex(R"(counter packets \d+ bytes \d+ drop # handle (\d+))"))) {
            throw std::runtime_error("no final drop rule in:\n" + listing);
        }
        nft({"insert", "rule", "inet", "opensandbox", "egress", "position", handle[1].str(), "ip", "daddr",
             "198.18.0.0/16", "tcp", "dport", std::to_string(8080), "counter"});
    }

    uint64_t packets() const {
        const std::string listing = nft({"list", "chain", "inet", "opensandbox", "egress"});
        std::smatch count;
        std::regex_search(listing, count,
                          std::regex(R"(198\.18\.0\.0/16 tcp dport 8080 counter packets (\d+))"));
        return count.empty() ? ~uint64_t{0} : std::stoull(count[1].str());
    }

  private:
    std::string nft(std::vector<std::string> arguments) const {
        arguments.insert(arguments.begin(), {"ip", "netns", "exec", sandbox_, "nft"});
        return harness::run_checked(arguments);
    }

    std::string sandbox_;
};

TEST_F(DynamicSetTest, LearnedAddressIsReachableRightAfterTheAck1000Times) {
    auto writer = make_writer();
    FallThroughCounter raced(sandbox());
    std::vector<std::string> unreachable;
    for (int index = 0; index < 1000; ++index) {
        const std::string address = learned_v4(index);
        ASSERT_TRUE(
            writer->resolve_and_wait("host" + std::to_string(index) + ".test", {resolved(address, 30)}));
        // Generous timeout: a slow machine may delay a handshake, but the counter below catches
        // any SYN the firewall dropped, even one a retransmission later made up for.
        if (!reachable(address, kPort, 3000ms)) {
            unreachable.push_back(std::to_string(index) + ":" + address);
        }
    }
    EXPECT_EQ(raced.packets(), 0u) << "packets reached the final drop right after their address was acked";
    EXPECT_TRUE(unreachable.empty()) << ::testing::PrintToString(unreachable);
    EXPECT_EQ(writer->failures(), 0u);
    EXPECT_FALSE(reachable("198.18.200.1"));  // never resolved
    EXPECT_EQ(raced.packets(), 1u) << "the counter sees a dropped SYN";
}

TEST_F(DynamicSetTest, OneBatchCarriesBothFamilies) {
    auto writer = make_writer();
    ASSERT_TRUE(
        writer->resolve_and_wait("dual.test", {resolved("198.18.7.7", 30), resolved("2001:db8:99::7", 30)}));
    EXPECT_TRUE(reachable("198.18.7.7"));
    EXPECT_TRUE(reachable("2001:db8:99::7"));
    EXPECT_EQ(provenance_->names_of(common::IpAddress::parse_or_throw("2001:db8:99::7")),
              std::vector<std::string>{"dual.test"});
}

TEST_F(DynamicSetTest, ShortTimeoutExpiresAccess) {
    auto writer = make_writer(ElementTimeoutPolicy{0s, 1s, 1s});
    ASSERT_TRUE(writer->resolve_and_wait("short.test", {resolved("198.18.9.9", 300)}));
    EXPECT_TRUE(reachable("198.18.9.9"));
    std::this_thread::sleep_for(2s);
    EXPECT_FALSE(reachable("198.18.9.9"));
}

TEST_F(DynamicSetTest, RepeatedResolutionRefreshesTheTimeout) {
    auto writer = make_writer(ElementTimeoutPolicy{0s, 2s, 2s});
    ASSERT_TRUE(writer->resolve_and_wait("again.test", {resolved("198.18.9.10", 300)}));
    std::this_thread::sleep_for(1500ms);
    ASSERT_TRUE(writer->resolve_and_wait("again.test", {resolved("198.18.9.10", 300)}));
    std::this_thread::sleep_for(1000ms);  // 2.5 s after the first add: alive only if refreshed
    EXPECT_TRUE(reachable("198.18.9.10"));
}

TEST_F(DynamicSetTest, KernelErrorStillReleasesTheAnswer) {
    auto writer = make_writer();
    enforcer_->remove();  // no table: the add fails
    EXPECT_TRUE(writer->resolve_and_wait("gone.test", {resolved("198.18.9.11", 30)}));
    EXPECT_EQ(writer->failures(), 1u);
}

TEST_F(DynamicSetTest, PolicyChangeKeepsLearnedAddressesAndRevokesAllDeniedOnes) {
    auto writer = make_writer();
    ASSERT_TRUE(writer->resolve_and_wait("a.allowed.test",
                                         {resolved("198.18.1.1", 300), resolved("198.18.1.3", 300)}));
    ASSERT_TRUE(writer->resolve_and_wait("b.denied.test",
                                         {resolved("198.18.1.2", 300), resolved("198.18.1.3", 300)}));
    FilterPolicy changed;
    changed.prefixes.allow_v4 = {prefix("198.51.100.10/32")};
    const auto revoked = enforcer_->apply(changed, [](std::string_view name) {
        return name.ends_with("denied.test") ? nullptr : &every_port();
    });
    EXPECT_EQ(revoked.addresses, std::vector{common::IpAddress::parse_or_throw("198.18.1.2")});
    EXPECT_TRUE(reachable("198.18.1.1"));
    EXPECT_FALSE(reachable("198.18.1.2"));
    EXPECT_TRUE(reachable("198.18.1.3"));     // one of its names is still allowed
    EXPECT_TRUE(reachable("198.51.100.10"));  // new static allow
    const auto elements = set_elements(sandbox(), "dyn_allow_v4");
    EXPECT_EQ(std::count(elements.begin(), elements.end(), "198.18.1.2"), 0);
    EXPECT_EQ(std::count(elements.begin(), elements.end(), "198.18.1.1"), 1);
    EXPECT_EQ(ruleset_items(list_ruleset(sandbox()), "table").size(), 1u);
}

TEST_F(DynamicSetTest, RevokingAnAlreadyExpiredAddressDoesNotFailTheUpdate) {
    auto writer = make_writer(ElementTimeoutPolicy{0s, 1s, 1s});
    ASSERT_TRUE(writer->resolve_and_wait("b.denied.test", {resolved("198.18.1.4", 300)}));
    std::this_thread::sleep_for(1200ms);  // gone from the kernel; provenance not yet pruned by time
    provenance_->record("b.denied.test", std::vector{common::IpAddress::parse_or_throw("198.18.1.4")},
                        PortGrant{}, AddressProvenance::Clock::now() + 60s);
    EXPECT_NO_THROW(enforcer_->apply(FilterPolicy{}, no_name));
}

TEST_F(DynamicSetTest, StaticUpdateWithOverlapsAndDefaultFlipIsAccepted) {
    FilterPolicy changed;
    changed.default_action = DefaultAction::allow;
    changed.prefixes.deny_v4 = {prefix("203.0.113.0/24"), prefix("203.0.113.5/32"), prefix("10.0.0.0/8"),
                                prefix("11.0.0.0/8")};
    enforcer_->apply(changed, every_name_every_port);
    EXPECT_FALSE(reachable("203.0.113.5"));
    EXPECT_TRUE(reachable("198.51.100.66"));  // default allow now
    EXPECT_EQ(set_elements(sandbox(), "deny_v4"),
              (std::vector<std::string>{"10.0.0.0/8", "11.0.0.0/8", "203.0.113.0/24"}));
}

}  // namespace
}  // namespace egress::nft::testing
