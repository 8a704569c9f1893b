#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "policy/policy_snapshot.hpp"

namespace egress::policy {

// Holds the current PolicySnapshot. Writers publish a new one; readers on the DNS hot path use a
// Reader, which costs one atomic load per query and takes the store's mutex only in the rare
// call after a publish (to copy the new shared_ptr). A snapshot stays alive while any Reader
// still uses it, so a swap never pulls data from under a query in flight.
class SnapshotStore {
  public:
    class Reader;

    explicit SnapshotStore(std::shared_ptr<const PolicySnapshot> initial);

    // Throws std::invalid_argument for a null snapshot.
    void publish(std::shared_ptr<const PolicySnapshot> snapshot);
    // For control paths (GET, writers): takes the mutex.
    std::shared_ptr<const PolicySnapshot> current() const;
    // Starts at 1 and grows by one per publish.
    uint64_t version() const { return version_.load(std::memory_order_acquire); }

    // One per reading thread; must not outlive the store.
    Reader reader() const;

  private:
    mutable std::mutex mutex_;
    std::shared_ptr<const PolicySnapshot> snapshot_;
    std::atomic<uint64_t> version_{0};  // the constructor publishes version 1
};

class SnapshotStore::Reader {
  public:
    explicit Reader(const SnapshotStore& store);

    // The newest snapshot; the reference stays valid until the next get() on this Reader.
    const PolicySnapshot& get();

  private:
    const SnapshotStore* store_;
    uint64_t seen_version_ = 0;
    std::shared_ptr<const PolicySnapshot> cached_;
};

}  // namespace egress::policy
