// Learned addresses live as long as they are used: the datapath marks, the renewer, the kernel's
// way of renewing timeouts, and a pool and an idle keep-alive over an hour of simulated time.
#include "harness/netns_scope.hpp"
#include "nft/set_element_dump.hpp"
#include "nft/set_elements.hpp"
#include "nft/timeout_renewal_probe.hpp"
#include "nft/transaction.hpp"
#include "nft/use_renewer.hpp"
#include "nft_fixture.hpp"

namespace egress::nft::testing {
namespace {

class UseRenewalTest : public LearningNftTest {
  protected:
    RulesetOptions ruleset_options() const override {
        RulesetOptions options;
        options.seen_window = 2s;
        return options;
    }

    // Answers learned with a one-second element timeout, whatever their TTL.
    std::unique_ptr<WriterThread> make_writer(TimeoutRenewal renewal = TimeoutRenewal::in_place) {
        DynamicAllowWriter::Options options;
        options.timeouts = ElementTimeoutPolicy{0s, 1s, 1s};
        options.renewal = renewal;
        return writer(options, gate_);
    }

    std::unique_ptr<UseRenewer> make_renewer(std::chrono::seconds tail,
                                             TimeoutRenewal renewal = TimeoutRenewal::in_place) {
        harness::NetnsScope scope(sandbox());
        return std::make_unique<UseRenewer>(provenance_, gate_, UseRenewalOptions{tail, 300ms, renewal});
    }

    void start(UseRenewer& renewer) {
        renewer.start([this](const UseRenewalPass& pass) { renewed_ += pass.renewed; },
                      [this](const std::string&) { ++failures_; });
    }

    std::shared_ptr<LearningGate> gate_ = std::make_shared<LearningGate>();
    std::atomic<size_t> renewed_{0};
    std::atomic<size_t> failures_{0};
};

bool echoes(harness::HeldTcpConnection& connection) {
    return connection.echo("ping", 1000ms) == 0;
}

TEST_F(UseRenewalTest, PacketsMarkTheLearnedAddressesTheyGoToAndNothingElse) {
    auto writer = make_writer();
    ASSERT_TRUE(writer->resolve_and_wait("marked.test",
                                         {resolved("198.18.3.1", 300), resolved("2001:db8:99::31", 300)}));
    EXPECT_TRUE(reachable("198.18.3.1"));
    EXPECT_TRUE(reachable("2001:db8:99::31"));
    EXPECT_FALSE(reachable("198.18.3.2"));  // never learned: dropped, and not marked
    EXPECT_EQ(set_elements(sandbox(), "dyn_seen_v4"), std::vector<std::string>{"198.18.3.1"});
    EXPECT_EQ(set_elements(sandbox(), "dyn_seen_v6"), std::vector<std::string>{"2001:db8:99::31"});
}

TEST_F(UseRenewalTest, AnAddressInUseOutlivesItsAnswerAndExpiresOnceUnused) {
    auto writer = make_writer();
    auto renewer = make_renewer(2s);
    start(*renewer);
    ASSERT_TRUE(writer->resolve_and_wait("used.test", {resolved("198.18.3.3", 300)}));
    harness::HeldTcpConnection flow(sandbox(), "198.18.3.3", kPort);
    ASSERT_TRUE(flow.connected());
    for (int round = 0; round < 12; ++round) {  // 3.6 s of traffic, the answer's element lasting 1 s
        ASSERT_TRUE(echoes(flow));
        std::this_thread::sleep_for(300ms);
    }
    EXPECT_TRUE(reachable("198.18.3.3")) << "a new connection to an address in use";
    EXPECT_GT(renewed_.load(), 0u);
    // Unused: gone within the tail and a half, plus the mark's window and a pass.
    std::this_thread::sleep_for(2s + 1s + 2s + 500ms);
    EXPECT_FALSE(reachable("198.18.3.3"));
    EXPECT_EQ(failures_.load(), 0u);
}

// One simulated minute is 200 ms: the answer's element lasts 5 minutes (1 s), the tail is 15
// minutes (3 s), the pool reconnects every 10 minutes (2 s), the hour takes 12 s.
TEST_F(UseRenewalTest, APoolAndAnIdleKeepAliveKeepWorkingForAnHourOfSimulatedTime) {
    auto writer = make_writer();
    auto renewer = make_renewer(3s);
    start(*renewer);
    ASSERT_TRUE(writer->resolve_and_wait("pool.test", {resolved("198.18.3.5", 300)}));
    harness::HeldTcpConnection keep_alive(sandbox(), "198.18.3.5", kPort);
    ASSERT_TRUE(keep_alive.connected());
    ASSERT_TRUE(echoes(keep_alive));
    for (int reconnect = 0; reconnect < 6; ++reconnect) {
        harness::HeldTcpConnection pooled(sandbox(), "198.18.3.5", kPort);
        EXPECT_TRUE(pooled.connected()) << "reconnect " << reconnect;
        EXPECT_TRUE(echoes(pooled)) << "reconnect " << reconnect;
        std::this_thread::sleep_for(2s);
    }
    EXPECT_TRUE(echoes(keep_alive)) << "the keep-alive, idle for the hour";
    EXPECT_EQ(failures_.load(), 0u);
}

TEST_F(UseRenewalTest, WithoutRenewalThePoolLosesTheAddress) {
    auto writer = make_writer();
    ASSERT_TRUE(writer->resolve_and_wait("pool.test", {resolved("198.18.3.6", 300)}));
    EXPECT_TRUE(reachable("198.18.3.6"));
    std::this_thread::sleep_for(2s);
    EXPECT_FALSE(reachable("198.18.3.6"));
}

TEST_F(UseRenewalTest, DeleteAndAddRenewsLikeAnUpdateInPlace) {
    auto writer = make_writer(TimeoutRenewal::delete_and_add);
    auto renewer = make_renewer(4s, TimeoutRenewal::delete_and_add);
    ASSERT_TRUE(writer->resolve_and_wait("renewed.test", {resolved("198.18.3.7", 300)}));
    ASSERT_TRUE(reachable("198.18.3.7"));  // marks it
    const auto pass = renewer->renew_once();
    EXPECT_EQ(pass.marked, 1u);
    EXPECT_EQ(pass.renewed, 1u);
    std::this_thread::sleep_for(1500ms);  // past the answer's one second
    EXPECT_TRUE(reachable("198.18.3.7"));
    // Re-learning through the writer renews too (the kernel's in-place update not needed).
    ASSERT_TRUE(writer->resolve_and_wait("renewed.test", {resolved("198.18.3.7", 300)}));
    EXPECT_TRUE(reachable("198.18.3.7"));
}

TEST_F(UseRenewalTest, ARevokedNameIsNeverRenewed) {
    auto writer = make_writer();
    auto renewer = make_renewer(4s);
    ASSERT_TRUE(writer->resolve_and_wait("revoked.test", {resolved("198.18.3.8", 300)}));
    ASSERT_TRUE(reachable("198.18.3.8"));
    gate_->enforce(no_name, [&] { enforcer_->apply(FilterPolicy{}, no_name); });
    EXPECT_EQ(renewer->renew_once().renewed, 0u);
    EXPECT_FALSE(reachable("198.18.3.8"));
}

TEST_F(UseRenewalTest, TheProbeTellsHowThisKernelRenewsTimeouts) {
    harness::NetnsScope scope(sandbox());
    NetlinkSocket socket(NetlinkSocket::Mode::blocking);
    SequenceCounter sequence;
    const TimeoutRenewal renewal = probe_timeout_renewal(socket, sequence);
    EXPECT_TRUE(list_set_elements(socket, sequence, "dyn_seen_v4").empty()) << "the probe cleans up";
    // The probe's verdict matches what an in-place re-add does to a learned element here.
    NftBatch batch(sequence.reserve_block());
    const std::array<TimedAddress, 1> first{
        TimedAddress{common::IpAddress::parse_or_throw("198.18.3.9"), 1s, {}}};
    const std::array<TimedAddress, 1> again{
        TimedAddress{common::IpAddress::parse_or_throw("198.18.3.9"), 600s, {}}};
    add_timed_elements(batch, "dyn_allow_v4", first);
    add_timed_elements(batch, "dyn_allow_v4", again);
    commit(socket, batch, "test");
    const auto listed = list_set_elements(socket, sequence, "dyn_allow_v4");
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed.front().expires_in > 60s, renewal == TimeoutRenewal::in_place);
}

}  // namespace
}  // namespace egress::nft::testing
