#include "dns/probe_query.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "wire_bytes.hpp"

namespace egress::dns {
namespace {

using testing::WireBytes;

constexpr uint16_t kRecursionDesired = 0x0100;

TEST(ProbeQuery, EmptyOrRootAsksRootNs) {
    const auto expected = WireBytes().header(0, kRecursionDesired, 1).question("", 2).bytes();
    EXPECT_EQ(build_probe_query(""), expected);
    EXPECT_EQ(build_probe_query("."), expected);
}

TEST(ProbeQuery, ANameAsksItsARecordAsAnFqdn) {
    const auto expected =
        WireBytes().header(0, kRecursionDesired, 1).question("probe.example.com", 1).bytes();
    EXPECT_EQ(build_probe_query("probe.example.com"), expected);
    EXPECT_EQ(build_probe_query("probe.example.com."), expected);
}

TEST(ProbeQuery, LabelsAreTakenAsWritten) {
    const auto expected = WireBytes().header(0, kRecursionDesired, 1).question("a b", 1).bytes();
    EXPECT_EQ(build_probe_query("a b"), expected) << "as upstream, no validation beyond the wire limits";
}

TEST(ProbeQuery, NamesThatCannotBeEncodedAreRefused) {
    EXPECT_THROW(build_probe_query(std::string(64, 'a') + ".test"), std::invalid_argument);
    EXPECT_NO_THROW(build_probe_query(std::string(63, 'a') + ".test"));
    EXPECT_THROW(build_probe_query("a..test"), std::invalid_argument);
    EXPECT_THROW(build_probe_query(".test"), std::invalid_argument);
    std::string long_name;
    for (int i = 0; i < 5; ++i) {
        long_name += std::string(60, 'x') + ".";
    }
    EXPECT_THROW(build_probe_query(long_name), std::invalid_argument);
    try {
        build_probe_query(std::string(64, 'a'));
    } catch (const std::invalid_argument& error) {
        EXPECT_NE(std::string(error.what()).find("longer than 63"), std::string::npos) << error.what();
    }
}

}  // namespace
}  // namespace egress::dns
