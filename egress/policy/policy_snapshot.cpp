#include "policy/policy_snapshot.hpp"

#include <utility>

namespace egress::policy {
namespace {

size_t effective_index_of(const Decision& decision, const AlwaysRules& overlay) {
    switch (decision.source) {
        case RuleSource::always_deny:
            return decision.rule_index;
        case RuleSource::always_allow:
            return overlay.deny.size() + decision.rule_index;
        case RuleSource::policy:
            return overlay.deny.size() + overlay.allow.size() + decision.rule_index;
        case RuleSource::default_action:
            break;
    }
    return SIZE_MAX;
}

}  // namespace

PolicySnapshot::PolicySnapshot(Policy user_policy, AlwaysRules overlay, std::shared_ptr<RuleHits> hits)
    : user_policy_(std::move(user_policy)),
      overlay_(std::move(overlay)),
      effective_policy_(apply_always_overlay(user_policy_, overlay_)),
      domain_index_(effective_policy_.rules),
      name_grants_(effective_policy_.rules),
      static_ip_sets_(
          build_static_ip_sets(effective_policy_.rules, user_policy_.mode, overlay_.deny.size())) {
    if (!hits) {
        return;
    }
    hits_.reserve(effective_policy_.rules.size() + 1);
    for (size_t index = 0; index < effective_policy_.rules.size(); ++index) {
        hits_.push_back(hits_of_rule(*hits, index));
    }
    hits_.push_back(hits->counts_for("default"));
    hits->prune();
}

std::shared_ptr<const PolicySnapshot> PolicySnapshot::make(Policy user_policy, AlwaysRules overlay,
                                                           std::shared_ptr<RuleHits> hits) {
    return std::make_shared<const PolicySnapshot>(std::move(user_policy), std::move(overlay),
                                                  std::move(hits));
}

std::shared_ptr<HitCounts> PolicySnapshot::hits_of_rule(RuleHits& hits, size_t effective_index) const {
    const Decision located = decision_for(effective_index, Action::allow);
    return hits.counts_for(rule_id(effective_policy_.rules[effective_index], located.source));
}

// The overlay's deny rules come first in the effective policy, then its allow rules, then the user's.
Decision PolicySnapshot::decision_for(size_t effective_index, Action action) const {
    Decision decision;
    const size_t denies = overlay_.deny.size();
    const size_t allows = overlay_.allow.size();
    if (effective_index < denies) {
        decision.source = RuleSource::always_deny;
        decision.rule_index = effective_index;
    } else if (effective_index < denies + allows) {
        decision.source = RuleSource::always_allow;
        decision.rule_index = effective_index - denies;
    } else {
        decision.source = RuleSource::policy;
        decision.rule_index = effective_index - denies - allows;
    }
    const bool audited =
        action == Action::audit || (action == Action::deny && decision.source == RuleSource::policy &&
                                    user_policy_.mode == EnforcementMode::audit);
    decision.verdict = action == Action::allow ? Verdict::allow
                       : audited               ? Verdict::would_deny
                                               : Verdict::deny;
    return decision;
}

Decision PolicySnapshot::decision_at(size_t effective_index) const {
    return decision_for(effective_index, effective_policy_.rules[effective_index].action);
}

Decision PolicySnapshot::decide(std::string_view qname) const {
    const std::optional<DomainMatch> found = domain_index_.match(qname);
    if (found) {
        return decision_for(found->rule_index, found->action);
    }
    return default_decision();
}

Decision PolicySnapshot::default_decision() const {
    Decision by_default;
    if (effective_policy_.default_action == Action::allow) {
        by_default.verdict = Verdict::allow;
    } else {
        by_default.verdict =
            user_policy_.mode == EnforcementMode::audit ? Verdict::would_deny : Verdict::deny;
    }
    return by_default;
}

Action PolicySnapshot::evaluate(std::string_view qname) const {
    return decide(qname).verdict == Verdict::allow ? Action::allow : Action::deny;
}

const HitCounts* PolicySnapshot::hit_counts(const Decision& decision) const {
    if (hits_.empty()) {
        return nullptr;
    }
    const size_t index = effective_index_of(decision, overlay_);
    return hits_[index == SIZE_MAX ? hits_.size() - 1 : index].get();
}

void PolicySnapshot::count(const Decision& decision) const {
    if (!hits_.empty()) {
        const size_t index = effective_index_of(decision, overlay_);
        hits_[index == SIZE_MAX ? hits_.size() - 1 : index]->count(decision.verdict);
    }
}

const Rule* PolicySnapshot::rule_of(const Decision& decision) const {
    const size_t index = effective_index_of(decision, overlay_);
    return index == SIZE_MAX ? nullptr : &effective_policy_.rules[index];
}

std::string PolicySnapshot::rule_id_of(const Decision& decision) const {
    const Rule* rule = rule_of(decision);
    return rule ? rule_id(*rule, decision.source) : "default";
}

const NameGrant& PolicySnapshot::every_port_grant() {
    static const NameGrant every_port{};
    return every_port;
}

const NameGrant* PolicySnapshot::grant(std::string_view qname) const {
    const std::optional<DomainMatch> found = domain_index_.match(qname);
    const Decision decision = found ? decision_for(found->rule_index, found->action) : default_decision();
    if (!decision.lets_through()) {
        return nullptr;
    }
    if (decision.verdict == Verdict::allow && found) {
        const NameGrant& grant = name_grants_.of_rule(found->rule_index);
        return grant.every_port ? &every_port_grant() : &grant;
    }
    return &every_port_grant();
}

}  // namespace egress::policy
