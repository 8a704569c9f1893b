#include "dns/snapshot_query_policy.hpp"

namespace egress::dns {

policy::GuardLimit SnapshotQueryPolicy::guard_limit_over(const policy::PolicySnapshot& snapshot,
                                                         const policy::Decision& decision,
                                                         std::string_view name, uint16_t query_type) const {
    const policy::WildcardGuardLimits& limits = snapshot.user_policy().wildcard_guard;
    const policy::Rule* rule = snapshot.rule_of(decision);
    if (!limits.enabled || rule == nullptr || rule->target.kind != policy::TargetKind::wildcard) {
        return policy::GuardLimit::none;
    }
    const std::string_view wildcard = rule->target.text;
    const std::string_view suffix = wildcard.size() > 2 ? wildcard.substr(2) : std::string_view{};
    const std::string_view under_wildcard =
        suffix.empty() ? name : name.substr(0, name.size() - std::min(name.size(), suffix.size() + 1));
    const policy::GuardLimit limit = policy::stateless_limit_over(limits, name, under_wildcard, query_type);
    if (limit != policy::GuardLimit::none) {
        return limit;
    }
    if (limits.new_names_per_minute != 0 &&
        !budget_.admit(wildcard, name, limits.new_names_per_minute, limits.new_names_burst)) {
        return policy::GuardLimit::new_names;
    }
    return policy::GuardLimit::none;
}

NameJudgement SnapshotQueryPolicy::judge(std::string_view policy_name, uint16_t query_type) const {
    const policy::PolicySnapshot& snapshot = reader_.get();
    policy::Decision decision = snapshot.decide(policy_name);
    if (decision.verdict == policy::Verdict::allow) {
        const policy::GuardLimit limit = guard_limit_over(snapshot, decision, policy_name, query_type);
        if (limit == policy::GuardLimit::none) {
            snapshot.count(decision);
            return {};
        }
        const bool audit = snapshot.user_policy().mode == policy::EnforcementMode::audit;
        decision.verdict = audit ? policy::Verdict::would_deny : policy::Verdict::deny;
        snapshot.count(decision);
        return {audit ? NameVerdict::would_deny : NameVerdict::deny, limit};
    }
    snapshot.count(decision);
    if (denied_ != nullptr) {
        denied_->record(policy_name, decision.verdict);
    }
    return {decision.verdict == policy::Verdict::deny ? NameVerdict::deny : NameVerdict::would_deny};
}

}  // namespace egress::dns
