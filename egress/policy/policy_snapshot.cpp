#include "policy/policy_snapshot.hpp"

#include <utility>

namespace egress::policy {

PolicySnapshot::PolicySnapshot(Policy user_policy, AlwaysRules overlay)
    : user_policy_(std::move(user_policy)),
      overlay_(std::move(overlay)),
      effective_policy_(apply_always_overlay(user_policy_, overlay_)),
      domain_index_(effective_policy_.rules),
      name_grants_(effective_policy_.rules),
      static_ip_sets_(build_static_ip_sets(effective_policy_.rules)) {}

std::shared_ptr<const PolicySnapshot> PolicySnapshot::make(Policy user_policy, AlwaysRules overlay) {
    return std::make_shared<const PolicySnapshot>(std::move(user_policy), std::move(overlay));
}

Action PolicySnapshot::evaluate(std::string_view qname) const {
    const std::optional<DomainMatch> found = domain_index_.match(qname);
    return found ? found->action : effective_policy_.default_action;
}

}  // namespace egress::policy

namespace egress::policy {

const NameGrant* PolicySnapshot::grant(std::string_view qname) const {
    static const NameGrant every_port{};
    const std::optional<DomainMatch> found = domain_index_.match(qname);
    if (!found) {
        return effective_policy_.default_action == Action::allow ? &every_port : nullptr;
    }
    return found->action == Action::allow ? &name_grants_.of_rule(found->rule_index) : nullptr;
}

}  // namespace egress::policy
