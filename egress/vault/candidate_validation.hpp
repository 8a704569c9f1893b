#pragma once

#include "policy/policy_snapshot.hpp"
#include "vault/vault_contents.hpp"
#include "vault/vault_settings.hpp"

namespace egress::vault {

// Upstream's whole-candidate checks, in order: bindings need egress rules in the effective
// policy; every referenced credential exists; every port is an intercept port; every host is
// covered by an explicit allow rule that also wins first-match evaluation, and is not one the
// proxy passes through (settings.ignore_hosts); no two bindings are ambiguous. Bindings are
// visited in name order. Throws VaultError(invalid).
void validate_candidate(const VaultContents& contents, const policy::PolicySnapshot& policy,
                        const VaultSettings& settings);

// Whether the effective policy explicitly allows a binding host (exact or "*.suffix").
bool policy_covers_binding_host(const policy::PolicySnapshot& policy, std::string_view host);

}  // namespace egress::vault
