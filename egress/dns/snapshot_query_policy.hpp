#pragma once

#include "dns/query_policy.hpp"
#include "policy/denial_tally.hpp"
#include "policy/snapshot_store.hpp"

namespace egress::dns {

// The proxy's view of the policy engine: each query is judged by the newest published snapshot,
// its decision counted against the deciding rule, and a denied or would-deny name noted in
// `denied` (when given). One instance per loop thread (its Reader caches the snapshot without
// locking).
class SnapshotQueryPolicy : public QueryPolicy {
  public:
    explicit SnapshotQueryPolicy(const policy::SnapshotStore& store, policy::DenialTally* denied = nullptr)
        : reader_(store.reader()), denied_(denied) {}

    NameVerdict judge(std::string_view policy_name) const override {
        const policy::PolicySnapshot& snapshot = reader_.get();
        const policy::Decision decision = snapshot.decide(policy_name);
        snapshot.count(decision);
        if (decision.verdict == policy::Verdict::allow) {
            return NameVerdict::allow;
        }
        if (denied_ != nullptr) {
            denied_->record(policy_name, decision.verdict);
        }
        return decision.verdict == policy::Verdict::deny ? NameVerdict::deny : NameVerdict::would_deny;
    }

  private:
    mutable policy::SnapshotStore::Reader reader_;
    policy::DenialTally* denied_;
};

}  // namespace egress::dns
