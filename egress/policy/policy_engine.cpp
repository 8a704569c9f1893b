#include "policy/policy_engine.hpp"

#include <exception>
#include <utility>

#include "policy/policy_file.hpp"

namespace egress::policy {

PolicyEngine::PolicyEngine(EngineSettings settings, Policy initial_user_policy, AlwaysRules initial_overlay,
                           EnforcementHook enforce)
    : settings_(std::move(settings)),
      enforce_(std::move(enforce)),
      hits_(std::make_shared<RuleHits>()),
      store_(PolicySnapshot::make(std::move(initial_user_policy), std::move(initial_overlay), hits_)) {}

ChangeOutcome PolicyEngine::replace(Policy policy) {
    std::lock_guard lock(change_mutex_);
    check_rule_limit(policy, settings_.max_rules);
    return commit(std::move(policy), store_.current()->overlay(), true);
}

ChangeOutcome PolicyEngine::patch(std::span<const Rule> rules) {
    std::lock_guard lock(change_mutex_);
    const auto base = store_.current();
    Policy merged = merge_rules(base->user_policy(), rules);
    check_rule_limit(merged, settings_.max_rules);
    return commit(std::move(merged), base->overlay(), true);
}

ChangeOutcome PolicyEngine::remove(std::span<const std::string> targets) {
    std::lock_guard lock(change_mutex_);
    const auto base = store_.current();
    DeletionResult deletion = delete_targets(base->user_policy(), targets);
    if (deletion.removed_count == 0) {
        return {false, base->mode(), {}};
    }
    return commit(std::move(deletion.policy), base->overlay(), true);
}

ChangeOutcome PolicyEngine::set_mode(EnforcementMode mode) {
    std::lock_guard lock(change_mutex_);
    const auto base = store_.current();
    if (base->user_policy().mode == mode) {
        return {false, base->mode(), {}};
    }
    Policy changed = base->user_policy();
    changed.mode = mode;
    return commit(std::move(changed), base->overlay(), true);
}

ChangeOutcome PolicyEngine::set_overlay(AlwaysRules overlay) {
    std::lock_guard lock(change_mutex_);
    const auto base = store_.current();
    if (base->overlay() == overlay) {
        return {false, base->mode(), {}};
    }
    return commit(base->user_policy(), std::move(overlay), false);
}

ChangeOutcome PolicyEngine::commit(Policy user_policy, AlwaysRules overlay, bool persist) {
    auto snapshot = PolicySnapshot::make(std::move(user_policy), std::move(overlay), hits_);
    if (guard_) {
        guard_(*snapshot);
    }
    if (enforce_) {
        enforce_(snapshot);
    }
    store_.publish(snapshot);
    ChangeOutcome outcome{true, snapshot->mode(), {}};
    if (persist && !settings_.policy_file.empty()) {
        try {
            save_policy_file(settings_.policy_file, snapshot->user_policy());
        } catch (const std::exception& problem) {
            outcome.persist_error = problem.what();
        }
    }
    return outcome;
}

}  // namespace egress::policy
