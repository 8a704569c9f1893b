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

}  // namespace
}  // namespace egress::nft
