#include "policy/snapshot_store.hpp"

#include <stdexcept>
#include <utility>

namespace egress::policy {

SnapshotStore::SnapshotStore(std::shared_ptr<const PolicySnapshot> initial) {
    publish(std::move(initial));
}

void SnapshotStore::publish(std::shared_ptr<const PolicySnapshot> snapshot) {
    if (!snapshot) {
        throw std::invalid_argument("cannot publish an empty policy snapshot");
    }
    std::lock_guard lock(mutex_);
    snapshot_.swap(snapshot);
    version_.fetch_add(1, std::memory_order_release);
    // The previous snapshot (now in `snapshot`) is released after the unlock if nobody holds it.
}

std::shared_ptr<const PolicySnapshot> SnapshotStore::current() const {
    std::lock_guard lock(mutex_);
    return snapshot_;
}

SnapshotStore::Reader SnapshotStore::reader() const {
    return Reader(*this);
}

SnapshotStore::Reader::Reader(const SnapshotStore& store) : store_(&store) {}

const PolicySnapshot& SnapshotStore::Reader::get() {
    const uint64_t version = store_->version_.load(std::memory_order_acquire);
    if (version != seen_version_) {
        std::lock_guard lock(store_->mutex_);
        cached_ = store_->snapshot_;
        // Read under the lock: it names exactly the snapshot just copied, never an older one.
        seen_version_ = store_->version_.load(std::memory_order_relaxed);
    }
    return *cached_;
}

}  // namespace egress::policy
