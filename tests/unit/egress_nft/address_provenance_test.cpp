#include "nft/address_provenance.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>

namespace egress::nft {
namespace {

using common::IpAddress;
using Clock = AddressProvenance::Clock;
using namespace std::chrono_literals;

const IpAddress kShared = IpAddress::parse_or_throw("198.51.100.10");
const IpAddress kOnlyDenied = IpAddress::parse_or_throw("198.51.100.20");
const L4Port kHttps{IPPROTO_TCP, 443};
const L4Port kHttp{IPPROTO_TCP, 80};
const PortGrant kEveryPort{};

PortGrant on_ports(std::vector<L4Port> ports) {
    return {false, std::move(ports)};
}

// Every name on every port, except names ending in ".denied.test".
const PortGrant* denies_denied_test(std::string_view name) {
    return name.ends_with(".denied.test") ? nullptr : &kEveryPort;
}

TEST(AddressProvenance, RevokesOnlyAddressesWhoseEveryNameIsDenied) {
    AddressProvenance provenance;
    const auto now = Clock::now();
    provenance.record("a.allowed.test", std::vector{kShared}, kEveryPort, now + 60s);
    provenance.record("b.denied.test", std::vector{kShared, kOnlyDenied}, kEveryPort, now + 60s);
    const auto revoked = provenance.plan_revocation(denies_denied_test, now).revocation;
    EXPECT_EQ(revoked.addresses, std::vector{kOnlyDenied});
    EXPECT_TRUE(revoked.ported.empty());
}

TEST(AddressProvenance, ExpiredNamesDoNotKeepAnAddress) {
    AddressProvenance provenance;
    const auto now = Clock::now();
    provenance.record("a.allowed.test", std::vector{kShared}, kEveryPort, now - 1s);
    provenance.record("b.denied.test", std::vector{kShared}, kEveryPort, now + 60s);
    const auto revoked = provenance.plan_revocation(
        [](std::string_view name) { return name == "a.allowed.test" ? &kEveryPort : nullptr; }, now);
    EXPECT_EQ(revoked.revocation.addresses, std::vector{kShared});
}

TEST(AddressProvenance, FullyExpiredAddressesArePrunedNotRevoked) {
    AddressProvenance provenance;
    const auto now = Clock::now();
    provenance.record("b.denied.test", std::vector{kOnlyDenied}, kEveryPort, now - 1s);
    const auto deny_all = [](std::string_view) -> const PortGrant* { return nullptr; };
    auto plan = provenance.plan_revocation(deny_all, now);
    EXPECT_TRUE(plan.revocation.empty());
    provenance.commit(std::move(plan));
    EXPECT_EQ(provenance.size(), 0u);
}

TEST(AddressProvenance, DeniedNamesAreForgottenOnlyWhenThePlanIsCommitted) {
    AddressProvenance provenance;
    const auto now = Clock::now();
    provenance.record("x.denied.test", std::vector{kShared}, kEveryPort, now + 60s);
    auto plan = provenance.plan_revocation(denies_denied_test, now);
    EXPECT_EQ(plan.revocation.addresses, std::vector{kShared});
    EXPECT_EQ(provenance.names_of(kShared), std::vector<std::string>{"x.denied.test"});
    provenance.commit(std::move(plan));
    EXPECT_TRUE(provenance.names_of(kShared).empty());
    EXPECT_TRUE(provenance.plan_revocation(denies_denied_test, now).revocation.empty());
}

TEST(AddressProvenance, AGrantNarrowedToAPortRevokesTheEveryPortElement) {
    AddressProvenance provenance;
    const auto now = Clock::now();
    provenance.record("api.test", std::vector{kShared}, kEveryPort, now + 60s);
    const PortGrant https{on_ports({kHttps})};
    const auto https_only = [&](std::string_view) { return &https; };
    const auto revoked = provenance.plan_revocation(https_only, now).revocation;
    EXPECT_EQ(revoked.addresses, std::vector{kShared});
    EXPECT_TRUE(revoked.ported.empty());  // the next answer writes the port element
}

TEST(AddressProvenance, RevokesAPortNoNameIsGrantedAnyMore) {
    AddressProvenance provenance;
    const auto now = Clock::now();
    provenance.record("api.test", std::vector{kShared}, on_ports({kHttp, kHttps}), now + 60s);
    provenance.record("web.test", std::vector{kShared}, on_ports({kHttp}), now + 60s);
    const PortGrant https{on_ports({kHttps})};
    const PortGrant nothing{on_ports({})};
    const auto narrowed = [&](std::string_view name) { return name == "api.test" ? &https : &nothing; };
    // web.test keeps port 80 (granted nothing now, but api.test's 443 stays): only 80 goes.
    auto plan = provenance.plan_revocation(narrowed, now);
    EXPECT_TRUE(plan.revocation.addresses.empty());
    EXPECT_EQ(plan.revocation.ported, (std::vector<PortedAddress>{{kShared, kHttp}}));
    provenance.commit(std::move(plan));
    EXPECT_EQ(provenance.names_of(kShared), std::vector<std::string>{"api.test"});
}

TEST(AddressProvenance, APortElementOfADeniedNameGoesEvenWhenAnotherNameOpensEveryPort) {
    AddressProvenance provenance;
    const auto now = Clock::now();
    provenance.record("api.test", std::vector{kShared}, on_ports({kHttps}), now + 60s);
    provenance.record("all.test", std::vector{kShared}, kEveryPort, now + 60s);
    const auto api_denied = [](std::string_view name) { return name == "api.test" ? nullptr : &kEveryPort; };
    const auto revoked = provenance.plan_revocation(api_denied, now).revocation;
    EXPECT_TRUE(revoked.addresses.empty());
    EXPECT_EQ(revoked.ported, (std::vector<PortedAddress>{{kShared, kHttps}}));
}

IpAddress numbered(int index) {
    return IpAddress::from_v4(
        {198, 18, static_cast<uint8_t>(index / 250), static_cast<uint8_t>(index % 250 + 1)});
}

TEST(AddressProvenanceLimits, ANameBeyondItsCapGivesUpItsLeastRecentlyUsedAddress) {
    AddressProvenance provenance(LearningLimits{3, 100});
    const auto later = Clock::now() + 60s;
    for (int index = 0; index < 3; ++index) {
        EXPECT_TRUE(
            provenance.record("cdn.test", std::vector{numbered(index)}, kEveryPort, later).evictions.empty());
    }
    provenance.touch(std::vector{numbered(0)});  // used: address 1 is now the least recently used
    const Recorded recorded = provenance.record("cdn.test", std::vector{numbered(3)}, kEveryPort, later);
    ASSERT_EQ(recorded.evictions.size(), 1u);
    EXPECT_EQ(recorded.evictions[0].address, numbered(1));
    EXPECT_EQ(recorded.evictions[0].name, "cdn.test");
    EXPECT_EQ(recorded.evictions[0].reason, Eviction::Reason::name_cap);
    EXPECT_EQ(recorded.removed.addresses, std::vector{numbered(1)});
    EXPECT_EQ(provenance.size(), 3u);
    EXPECT_TRUE(provenance.names_of(numbered(1)).empty());
}

TEST(AddressProvenanceLimits, AnAddressAnotherNameHoldsKeepsItsElement) {
    AddressProvenance provenance(LearningLimits{1, 100});
    const auto later = Clock::now() + 60s;
    provenance.record("a.test", std::vector{kShared}, kEveryPort, later);
    provenance.record("b.test", std::vector{kShared}, kEveryPort, later);
    const Recorded recorded = provenance.record("a.test", std::vector{kOnlyDenied}, kEveryPort, later);
    ASSERT_EQ(recorded.evictions.size(), 1u);
    EXPECT_TRUE(recorded.removed.empty()) << "b.test still holds the address on every port";
    EXPECT_EQ(provenance.names_of(kShared), std::vector<std::string>{"b.test"});
}

TEST(AddressProvenanceLimits, TheTotalCapGivesUpTheLeastRecentlyUsedAddressOfAnyName) {
    AddressProvenance provenance(LearningLimits{100, 2});
    const auto later = Clock::now() + 60s;
    provenance.record("a.test", std::vector{numbered(0)}, on_ports({kHttps}), later);
    provenance.record("b.test", std::vector{numbered(1)}, kEveryPort, later);
    const Recorded recorded = provenance.record("c.test", std::vector{numbered(2)}, kEveryPort, later);
    ASSERT_EQ(recorded.evictions.size(), 1u);
    EXPECT_EQ(recorded.evictions[0].address, numbered(0));
    EXPECT_EQ(recorded.evictions[0].name, "");
    EXPECT_EQ(recorded.evictions[0].reason, Eviction::Reason::total_cap);
    EXPECT_EQ(recorded.removed.ported, (std::vector<PortedAddress>{{numbered(0), kHttps}}));
    EXPECT_EQ(provenance.size(), 2u);
}

TEST(AddressProvenanceLimits, AnAnswerLargerThanTheCapKeepsEveryAddressItCarries) {
    AddressProvenance provenance(LearningLimits{2, 100});
    const auto later = Clock::now() + 60s;
    provenance.record("big.test", std::vector{numbered(0)}, kEveryPort, later);
    const Recorded recorded =
        provenance.record("big.test", std::vector{numbered(1), numbered(2), numbered(3)}, kEveryPort, later);
    ASSERT_EQ(recorded.evictions.size(), 1u);
    EXPECT_EQ(recorded.evictions[0].address, numbered(0));
    EXPECT_EQ(provenance.size(), 3u);
}

TEST(AddressProvenanceLimits, ForgottenNamesLeaveTheIndexSoTheCapCountsWhatIsLeft) {
    AddressProvenance provenance(LearningLimits{2, 100});
    const auto now = Clock::now();
    provenance.record("x.denied.test", std::vector{numbered(0), numbered(1)}, kEveryPort, now + 60s);
    provenance.commit(provenance.plan_revocation(denies_denied_test, now));
    EXPECT_EQ(provenance.size(), 0u);
    const Recorded recorded =
        provenance.record("x.denied.test", std::vector{numbered(2), numbered(3)}, kEveryPort, now + 60s);
    EXPECT_TRUE(recorded.evictions.empty());
}

TEST(AddressProvenanceStaleness, ANameInUseIsStaleOnceItsAnswerIsAndRenewalsDoNotFreshenIt) {
    AddressProvenance provenance;
    const auto now = Clock::now();
    const auto v6 = IpAddress::parse_or_throw("2001:db8::10");
    provenance.record("fresh.test", std::vector{kShared}, kEveryPort, now + 600s);
    provenance.record("stale.test", std::vector{kOnlyDenied, v6}, kEveryPort, now + 5s);
    provenance.record("stale.test", std::vector{kOnlyDenied}, kEveryPort, now + 900s, LearnedFrom::use);
    const auto stale = provenance.stale_names_in_use(std::vector{kShared, kOnlyDenied, v6}, now, now + 10s);
    EXPECT_EQ(stale, (std::vector<StaleName>{{"stale.test", true, true}}));
    EXPECT_TRUE(provenance.stale_names_in_use(std::vector{kShared}, now, now + 10s).empty()) << "not stale";
    EXPECT_TRUE(provenance.stale_names_in_use(std::vector<IpAddress>{}, now, now + 10s).empty())
        << "not in use";
}

}  // namespace
}  // namespace egress::nft
