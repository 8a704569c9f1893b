// The limits on learned addresses against real nftables: a name rotating through 500 addresses
// stays reachable, the least recently used are given up and every one is counted.
#include "nft_fixture.hpp"

namespace egress::nft::testing {
namespace {

std::string rotating_v4(int index) {
    return "198.18." + std::to_string(40 + index / 250) + "." + std::to_string(index % 250 + 1);
}

class AddressLimitsTest : public LearningNftTest {
  protected:
    AddressLimitsTest() { provenance_ = std::make_shared<AddressProvenance>(LearningLimits{64, 100}); }

    std::unique_ptr<WriterThread> make_writer() {
        DynamicAllowWriter::Options options;
        options.on_eviction = [this](const Eviction& eviction) {
            evictions_by_name_ += eviction.reason == Eviction::Reason::name_cap ? 1 : 0;
            evictions_in_all_ += eviction.reason == Eviction::Reason::total_cap ? 1 : 0;
        };
        return writer(options);
    }

    std::atomic<size_t> evictions_by_name_{0};
    std::atomic<size_t> evictions_in_all_{0};
};

TEST_F(AddressLimitsTest, ANameRotatingThrough500AddressesStaysReachableWithEveryEvictionCounted) {
    auto writer = make_writer();
    std::vector<std::string> unreachable;
    for (int answer = 0; answer < 125; ++answer) {  // four addresses an answer, none twice
        std::vector<dns::ResolvedAddress> addresses;
        for (int slot = 0; slot < 4; ++slot) {
            addresses.push_back(resolved(rotating_v4(answer * 4 + slot), 60));
        }
        ASSERT_TRUE(writer->resolve_and_wait("bucket.storage.test", addresses));
        const std::string chosen = rotating_v4(answer * 4 + answer % 4);
        if (!reachable(chosen, kPort, 3000ms)) {
            unreachable.push_back(chosen);
        }
    }
    EXPECT_TRUE(unreachable.empty()) << ::testing::PrintToString(unreachable);
    EXPECT_EQ(evictions_by_name_.load(), 500u - 64u);
    EXPECT_EQ(set_elements(sandbox(), "dyn_allow_v4").size(), 64u) << "evicted elements left the kernel";
    EXPECT_FALSE(reachable(rotating_v4(0))) << "the least recently used went first";
    EXPECT_TRUE(reachable(rotating_v4(499)));
    EXPECT_EQ(writer->failures(), 0u);
}

TEST_F(AddressLimitsTest, TheTotalCapGivesUpTheLeastRecentlyUsedAddressOfAnyName) {
    auto writer = make_writer();
    for (int index = 0; index < 101; ++index) {
        ASSERT_TRUE(writer->resolve_and_wait("host" + std::to_string(index) + ".test",
                                             {resolved(rotating_v4(index), 60)}));
    }
    EXPECT_EQ(evictions_in_all_.load(), 1u);
    EXPECT_EQ(evictions_by_name_.load(), 0u);
    EXPECT_FALSE(reachable(rotating_v4(0)));
    EXPECT_TRUE(reachable(rotating_v4(1)));
    EXPECT_EQ(set_elements(sandbox(), "dyn_allow_v4").size(), 100u);
}

}  // namespace
}  // namespace egress::nft::testing
