#include "nft/address_provenance.hpp"

#include <gtest/gtest.h>

namespace egress::nft {
namespace {

using common::IpAddress;
using Clock = AddressProvenance::Clock;
using namespace std::chrono_literals;

const IpAddress kShared = IpAddress::parse_or_throw("198.51.100.10");
const IpAddress kOnlyDenied = IpAddress::parse_or_throw("198.51.100.20");

TEST(AddressProvenance, RevokesOnlyAddressesWhoseEveryNameIsDenied) {
    AddressProvenance provenance;
    const auto now = Clock::now();
    provenance.record("a.allowed.test", std::vector{kShared}, now + 60s);
    provenance.record("b.denied.test", std::vector{kShared, kOnlyDenied}, now + 60s);
    const auto revoked = provenance.addresses_to_revoke(
        [](std::string_view name) { return !name.ends_with(".denied.test"); }, now);
    EXPECT_EQ(revoked, std::vector{kOnlyDenied});
}

TEST(AddressProvenance, ExpiredNamesDoNotKeepAnAddress) {
    AddressProvenance provenance;
    const auto now = Clock::now();
    provenance.record("a.allowed.test", std::vector{kShared}, now - 1s);
    provenance.record("b.denied.test", std::vector{kShared}, now + 60s);
    const auto revoked =
        provenance.addresses_to_revoke([](std::string_view name) { return name == "a.allowed.test"; }, now);
    EXPECT_EQ(revoked, std::vector{kShared});
}

TEST(AddressProvenance, FullyExpiredAddressesArePrunedNotRevoked) {
    AddressProvenance provenance;
    const auto now = Clock::now();
    provenance.record("b.denied.test", std::vector{kOnlyDenied}, now - 1s);
    EXPECT_TRUE(provenance.addresses_to_revoke([](std::string_view) { return false; }, now).empty());
    EXPECT_EQ(provenance.size(), 0u);
}

TEST(AddressProvenance, ForgetRemovesAddresses) {
    AddressProvenance provenance;
    provenance.record("x.test", std::vector{kShared}, Clock::now() + 60s);
    EXPECT_EQ(provenance.names_of(kShared), std::vector<std::string>{"x.test"});
    provenance.forget(std::vector{kShared});
    EXPECT_TRUE(provenance.names_of(kShared).empty());
}

}  // namespace
}  // namespace egress::nft
