#include "policy/snapshot_store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "policy/policy_json.hpp"

namespace egress::policy {
namespace {

// Policy number n allows exactly "n.example" and a wildcard below it, so a reader can check
// that what it sees is one consistent snapshot: both rules answer for the same n.
std::shared_ptr<const PolicySnapshot> numbered_snapshot(int n) {
    const std::string name = std::to_string(n) + "-x.example";
    return PolicySnapshot::make(parse_policy(R"({"egress":[{"action":"allow","target":")" + name +
                                             R"("},{"action":"allow","target":"*.)" + name + R"("}]})"));
}

TEST(SnapshotStore, ReaderSeesPublishedSnapshots) {
    SnapshotStore store(numbered_snapshot(1));
    auto reader = store.reader();
    EXPECT_EQ(store.version(), 1u);
    EXPECT_EQ(reader.get().evaluate("1-x.example"), Action::allow);
    store.publish(numbered_snapshot(2));
    EXPECT_EQ(store.version(), 2u);
    EXPECT_EQ(reader.get().evaluate("1-x.example"), Action::deny);
    EXPECT_EQ(reader.get().evaluate("2-x.example"), Action::allow);
    EXPECT_EQ(store.current()->evaluate("2-x.example"), Action::allow);
    EXPECT_THROW(store.publish(nullptr), std::invalid_argument);
    EXPECT_EQ(store.version(), 2u);
}

TEST(SnapshotStore, ConcurrentReadersAlwaysSeeAWholeSnapshotThatOnlyMovesForward) {
    constexpr int publishes = 2000;
    SnapshotStore store(numbered_snapshot(0));
    std::atomic<bool> done{false};
    std::atomic<int> inconsistencies{0};
    std::atomic<long> reads{0};
    std::vector<std::thread> readers;
    for (int r = 0; r < 3; ++r) {
        readers.emplace_back([&] {
            auto reader = store.reader();
            int last_seen = 0;
            while (!done.load(std::memory_order_relaxed)) {
                const PolicySnapshot& snapshot = reader.get();
                const std::string& exact = snapshot.user_policy().rules[0].target.text;
                const int n = std::stoi(exact);
                const bool consistent = snapshot.evaluate(exact) == Action::allow &&
                                        snapshot.evaluate("a." + exact) == Action::allow && n >= last_seen;
                if (!consistent) {
                    ++inconsistencies;
                }
                last_seen = n;
                ++reads;
            }
        });
    }
    for (int n = 1; n <= publishes; ++n) {
        store.publish(numbered_snapshot(n));
    }
    done = true;
    for (auto& thread : readers) {
        thread.join();
    }
    EXPECT_EQ(inconsistencies.load(), 0);
    EXPECT_GT(reads.load(), 0);
    auto reader = store.reader();
    EXPECT_EQ(reader.get().user_policy().rules[0].target.text, std::to_string(publishes) + "-x.example");
}

}  // namespace
}  // namespace egress::policy
