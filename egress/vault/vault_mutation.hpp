#pragma once

#include <cstdint>

#include "vault/vault_contents.hpp"
#include "vault/vault_settings.hpp"

// Building the candidate contents of a create or a patch (upstream §6). Throws VaultError(invalid)
// for the first problem; the contents given may then be half changed, so callers work on a copy.
namespace egress::vault {

// POST: every credential at revision 1; duplicate names refused.
VaultContents build_created_contents(CreateRequest request, const VaultSettings& settings);

// PATCH: each set's delete, then replace, then add; a name in one operation per set only.
void apply_patch(VaultContents& contents, PatchRequest request, int64_t next_revision,
                 const VaultSettings& settings);

}  // namespace egress::vault
