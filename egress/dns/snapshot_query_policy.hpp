#pragma once

#include "dns/query_policy.hpp"
#include "policy/snapshot_store.hpp"

namespace egress::dns {

// The proxy's view of the policy engine: each query is judged by the newest published snapshot.
// One instance per loop thread (its Reader caches the snapshot without locking).
class SnapshotQueryPolicy : public QueryPolicy {
  public:
    explicit SnapshotQueryPolicy(const policy::SnapshotStore& store) : reader_(store.reader()) {}

    bool allows(std::string_view policy_name) const override {
        return reader_.get().evaluate(policy_name) == policy::Action::allow;
    }

  private:
    mutable policy::SnapshotStore::Reader reader_;
};

}  // namespace egress::dns
