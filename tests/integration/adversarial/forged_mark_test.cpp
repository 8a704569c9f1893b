// A workload with CAP_NET_RAW (in Docker's default capabilities) may set SO_MARK since Linux 5.17:
// a mark must not be what tells egress's own traffic apart. Run as root, so with CAP_NET_RAW.
#include <gtest/gtest.h>

#include "adversarial_fixture.hpp"
#include "harness/dns_query.hpp"
#include "harness/echo_server.hpp"
#include "harness/net_clients.hpp"
#include "harness/scratch_cgroup.hpp"

namespace {

using namespace egress_binary_test;
using adversarial_test::OwnCgroupAdversarialTest;
using namespace std::chrono_literals;

constexpr uint32_t kEgressMark = 0x1;  // OPENSANDBOX_EGRESS_SOCKET_MARK's default
const std::string kEnforce = std::string("OPENSANDBOX_EGRESS_RULES=") + kAllowStarAllowed;

using ForgedMarkTest = OwnCgroupAdversarialTest;

TEST_P(ForgedMarkTest, AForgedMarkSkipsNeitherTheDnsRedirectNorTheFilter) {
    topology_->add_upstream_address("198.51.100.20");
    harness::EchoServer other_web({topology_->upstream(), "198.51.100.20", 80, "other"});
    start_with_backend({"OPENSANDBOX_EGRESS_MODE=dns+nft", kEnforce}, true);
    ASSERT_TRUE(serving_with_backend()) << process_->read_log();
    EXPECT_NE(process_->read_log().find("recognised by its cgroup"), std::string::npos)
        << process_->read_log();
    EXPECT_EQ(query_real_resolver(*topology_, "www.allowed.test").addresses(),
              std::vector<std::string>{"198.51.100.10"})
        << "egress's own upstream queries still pass";

    const std::string resolver(Topology::kUpstreamIpv4);
    const auto forged_udp = harness::dns_query_udp_from(topology_->sandbox(), {0, kEgressMark}, resolver, 53,
                                                        "other.test", kDnsTypeA, 1000ms);
    EXPECT_EQ(forged_udp.rcode, harness::kRcodeNxDomain) << "error " << forged_udp.error;
    EXPECT_EQ(upstream_->query_count("other.test"), 0u) << "a denied name reached the upstream";
    EXPECT_FALSE(
        harness::tcp_connect_marked(topology_->sandbox(), "198.51.100.20", 80, kEgressMark, 300ms).connected);
    EXPECT_FALSE(
        harness::tcp_connect_marked(topology_->sandbox(), resolver, 853, kEgressMark, 300ms).connected);
    EXPECT_EQ(other_web.tcp_connections(), 0u);
}

TEST_P(ForgedMarkTest, AForgedMarkDoesNotSkipTheRedirectInDnsMode) {
    start_with_backend({"OPENSANDBOX_EGRESS_MODE=dns", kEnforce}, true);
    ASSERT_TRUE(serving_with_backend()) << process_->read_log();
    const auto forged = harness::dns_query_udp_from(topology_->sandbox(), {0, kEgressMark},
                                                    std::string(Topology::kUpstreamIpv4), 53, "other.test",
                                                    kDnsTypeA, 1000ms);
    EXPECT_EQ(forged.rcode, harness::kRcodeNxDomain) << "error " << forged.error;
    EXPECT_EQ(upstream_->query_count("other.test"), 0u);
}

TEST_P(ForgedMarkTest, WithoutACgroupOfItsOwnEgressWarnsThatTheMarkCanBeForged) {
    start_with_backend({"OPENSANDBOX_EGRESS_MODE=dns+nft", kEnforce});
    ASSERT_TRUE(serving_with_backend()) << process_->read_log();
    EXPECT_NE(process_->read_log().find("can only be recognised by its socket mark"), std::string::npos)
        << process_->read_log();
}

TEST_P(ForgedMarkTest, RequiringACgroupOfItsOwnRefusesToStartWithoutOne) {
    start_with_backend(
        {"OPENSANDBOX_EGRESS_MODE=dns+nft", kEnforce, "OPENSANDBOX_EGRESS_REQUIRE_OWN_CGROUP=true"});
    EXPECT_EQ(process_->wait(5s), std::optional<int>(1)) << process_->read_log();
    EXPECT_NE(process_->read_log().find("refusing to start"), std::string::npos) << process_->read_log();
}

INSTANTIATE_FOR_BOTH_REDIRECT_BACKENDS(ForgedMarkTest);

}  // namespace
