#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <utility>

#include "policy/always_overlay.hpp"
#include "policy/policy_changes.hpp"
#include "policy/policy_snapshot.hpp"
#include "policy/snapshot_store.hpp"

namespace egress::policy {

struct EngineSettings {
    size_t max_rules = default_max_rules;  // 0: unlimited
    std::filesystem::path policy_file;     // empty: no persistence
};

struct ChangeOutcome {
    bool changed = false;  // false: nothing matched (DELETE) or nothing differs (overlay)
    PolicyMode mode = PolicyMode::deny_all;
    std::string persist_error;  // the change is applied, but saving it failed
};

// Serialises every change of the user policy and of the overlay: validate, build the snapshot,
// hand it to the enforcement layer (nft), publish it for DNS and only then persist the user
// policy. A change the enforcement hook refuses (by throwing) changes nothing, in memory or on
// disk, and the exception reaches the caller.
class PolicyEngine {
  public:
    using EnforcementHook = std::function<void(const std::shared_ptr<const PolicySnapshot>&)>;
    // Sees every candidate snapshot before enforcement; throws GuardRefusal to refuse the change.
    using ChangeGuard = std::function<void(const PolicySnapshot& candidate)>;

    PolicyEngine(EngineSettings settings, Policy initial_user_policy, AlwaysRules initial_overlay,
                 EnforcementHook enforce);

    // POST/PUT. Throws RuleLimitError.
    ChangeOutcome replace(Policy policy);
    // PATCH. Throws RuleLimitError.
    ChangeOutcome patch(std::span<const Rule> rules);
    // DELETE. Throws PolicyError for a malformed target; unchanged when nothing matched.
    ChangeOutcome remove(std::span<const std::string> targets);
    // Switches between enforce and audit, rules unchanged; a no-op when already in that mode.
    ChangeOutcome set_mode(EnforcementMode mode);
    // From the always-rules watcher; a no-op when the overlay is already in force.
    ChangeOutcome set_overlay(AlwaysRules overlay);

    // Set once at start, before changes arrive.
    void set_change_guard(ChangeGuard guard) { guard_ = std::move(guard); }
    // Runs action with the snapshot in force while no policy change can happen, so what action
    // decides from the snapshot still holds when it returns.
    template <typename Action>
    auto with_current_policy(Action&& action) {
        std::lock_guard lock(change_mutex_);
        return action(*store_.current());
    }

    const SnapshotStore& snapshots() const { return store_; }
    std::shared_ptr<const PolicySnapshot> current() const { return store_.current(); }
    // The decision counters of the rules in force.
    const RuleHits& hits() const { return *hits_; }

  private:
    ChangeOutcome commit(Policy user_policy, AlwaysRules overlay, bool persist);

    EngineSettings settings_;
    EnforcementHook enforce_;
    ChangeGuard guard_;
    std::shared_ptr<RuleHits> hits_;
    std::mutex change_mutex_;
    SnapshotStore store_;
};

}  // namespace egress::policy
