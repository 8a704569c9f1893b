#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/always_overlay.hpp"
#include "policy/decision.hpp"
#include "policy/domain_index.hpp"
#include "policy/name_grant.hpp"
#include "policy/policy.hpp"
#include "policy/policy_mode.hpp"
#include "policy/rule_hits.hpp"
#include "policy/static_ip_sets.hpp"

namespace egress::policy {

// Everything derived from one user policy and one overlay, computed once and never modified:
// safe to share between threads without locking.
class PolicySnapshot {
  public:
    // hits: where the rules' counters live (none: decisions are not counted).
    PolicySnapshot(Policy user_policy, AlwaysRules overlay, std::shared_ptr<RuleHits> hits = nullptr);

    static std::shared_ptr<const PolicySnapshot> make(Policy user_policy, AlwaysRules overlay = {},
                                                      std::shared_ptr<RuleHits> hits = nullptr);

    // What GET returns and what is persisted.
    const Policy& user_policy() const { return user_policy_; }
    const AlwaysRules& overlay() const { return overlay_; }
    // Overlay rules first, then the user's: what is enforced.
    const Policy& effective_policy() const { return effective_policy_; }
    PolicyMode mode() const { return mode_of(user_policy_); }

    // The DNS decision for a query name (any case, optional trailing dot) and the rule that made
    // it; never allocates for legal names. The root name or a name no rule matches gets
    // defaultAction. In audit mode a denial by the user's policy is a would-deny.
    Decision decide(std::string_view qname) const;
    // What the rule at this index of the effective policy decides when it matches, located by source.
    Decision decision_at(size_t effective_index) const;
    // What defaultAction decides (would-deny in audit mode instead of deny).
    Decision default_decision() const;
    // allow when decide() allows, otherwise deny (a would-deny is not an allow).
    Action evaluate(std::string_view qname) const;
    // Counts a decision against its rule (nothing without counters).
    void count(const Decision& decision) const;
    // The counters of the rule behind a decision; nullptr without counters.
    const HitCounts* hit_counts(const Decision& decision) const;
    // The rule that made a decision; nullptr for defaultAction.
    const Rule* rule_of(const Decision& decision) const;
    // The stable id of the rule behind a decision ("default" for defaultAction).
    std::string rule_id_of(const Decision& decision) const;
    std::optional<DomainMatch> match(std::string_view qname) const { return domain_index_.match(qname); }

    // What the addresses of a name let through are opened for (a would-deny: every port); nullptr
    // when the name is denied. Either every_port_grant() or one of name_grants().scoped().
    const NameGrant* grant(std::string_view qname) const;
    const NameGrants& name_grants() const { return name_grants_; }
    static const NameGrant& every_port_grant();

    // Address and CIDR rules of the effective policy for the nft interval sets.
    const StaticIpSets& static_ip_sets() const { return static_ip_sets_; }

  private:
    Decision decision_for(size_t effective_index, Action action) const;
    std::shared_ptr<HitCounts> hits_of_rule(RuleHits& hits, size_t effective_index) const;

    Policy user_policy_;
    AlwaysRules overlay_;
    Policy effective_policy_;
    DomainIndex domain_index_;
    NameGrants name_grants_;
    // By effective rule index, then one for defaultAction; empty without counters.
    std::vector<std::shared_ptr<HitCounts>> hits_;
    StaticIpSets static_ip_sets_;
};

}  // namespace egress::policy
