#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "policy/policy_snapshot.hpp"
#include "vault/active_bindings.hpp"
#include "vault/vault_model.hpp"
#include "vault/vault_settings.hpp"

namespace egress::vault {

// The vault of one sandbox: in memory only, one revision counter, every change validated as a
// whole against the effective policy it must live under, and applied entirely or not at all.
// Thread-safe. Errors are VaultError with upstream's texts.
class CredentialVault {
  public:
    explicit CredentialVault(VaultSettings settings = {});

    // Revision 1. Throws conflict "credential vault already exists".
    VaultState create(CreateRequest request, const policy::PolicySnapshot& policy);
    // Revision + 1, even for an empty patch. Throws not_found "credential vault not found",
    // conflict "expectedRevision X does not match current revision Y", invalid, ...
    VaultState patch(PatchRequest request, const policy::PolicySnapshot& policy);
    // Back to "no vault", revision 0. Throws not_found.
    void remove();

    // nullopt: no vault.
    std::optional<VaultState> state() const;

    // Throws VaultError(invalid) naming the first binding the candidate policy would not cover
    // (nothing is thrown when there is no vault or it has no bindings).
    void check_policy(const policy::PolicySnapshot& candidate) const;

    // The bindings in force for the data plane; nullptr when there is no vault.
    std::shared_ptr<const ActiveBindings> active() const;

  private:
    VaultSettings settings_;
    mutable std::mutex mutex_;
    std::optional<VaultState> state_;
    std::shared_ptr<const ActiveBindings> active_;
};

}  // namespace egress::vault
