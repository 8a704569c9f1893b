#pragma once

#include "dns/new_name_budget.hpp"
#include "dns/query_policy.hpp"
#include "policy/denial_tally.hpp"
#include "policy/snapshot_store.hpp"

namespace egress::dns {

// The proxy's view of the policy engine: each query is judged by the newest published snapshot,
// a name a wildcard admits is held to the policy's wildcard guard (`budget`: the new-name budget
// shared by the loop threads), the decision is counted against the deciding rule, and a name the
// rules deny or would deny is noted in `denied` (when given; not the guard's refusals, which an
// allow rule must not be suggested for). One instance per loop thread (its Reader caches the
// snapshot without locking).
class SnapshotQueryPolicy : public QueryPolicy {
  public:
    SnapshotQueryPolicy(const policy::SnapshotStore& store, NewNameBudget& budget,
                        policy::DenialTally* denied = nullptr)
        : reader_(store.reader()), budget_(budget), denied_(denied) {}

    NameJudgement judge(std::string_view policy_name, uint16_t query_type) const override;

  private:
    policy::GuardLimit guard_limit_over(const policy::PolicySnapshot& snapshot,
                                        const policy::Decision& decision, std::string_view name,
                                        uint16_t query_type) const;

    mutable policy::SnapshotStore::Reader reader_;
    NewNameBudget& budget_;
    policy::DenialTally* denied_;
};

}  // namespace egress::dns
