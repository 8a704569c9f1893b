#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "policy/always_overlay.hpp"
#include "policy/domain_index.hpp"
#include "policy/name_grant.hpp"
#include "policy/policy.hpp"
#include "policy/policy_mode.hpp"
#include "policy/static_ip_sets.hpp"

namespace egress::policy {

// Everything derived from one user policy and one overlay, computed once and never modified:
// safe to share between threads without locking.
class PolicySnapshot {
  public:
    PolicySnapshot(Policy user_policy, AlwaysRules overlay);

    static std::shared_ptr<const PolicySnapshot> make(Policy user_policy, AlwaysRules overlay = {});

    // What GET returns and what is persisted.
    const Policy& user_policy() const { return user_policy_; }
    const AlwaysRules& overlay() const { return overlay_; }
    // Overlay rules first, then the user's: what is enforced.
    const Policy& effective_policy() const { return effective_policy_; }
    PolicyMode mode() const { return mode_of(user_policy_); }

    // The DNS decision for a query name (any case, optional trailing dot); never allocates for
    // legal names. The root name or a name no rule matches gets defaultAction.
    Action evaluate(std::string_view qname) const;
    std::optional<DomainMatch> match(std::string_view qname) const { return domain_index_.match(qname); }

    // What the addresses of an allowed name are opened for; nullptr when the name is denied.
    const NameGrant* grant(std::string_view qname) const;

    // Address and CIDR rules of the effective policy for the nft interval sets.
    const StaticIpSets& static_ip_sets() const { return static_ip_sets_; }

  private:
    Policy user_policy_;
    AlwaysRules overlay_;
    Policy effective_policy_;
    DomainIndex domain_index_;
    NameGrants name_grants_;
    StaticIpSets static_ip_sets_;
};

}  // namespace egress::policy
