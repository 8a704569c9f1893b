#pragma once

#include <cstdint>

#include "vault/vault_model.hpp"
#include "vault/vault_settings.hpp"

// Normalisation and validation of one credential or one binding as a request gives it (upstream
// §5); whole-vault checks live in candidate_validation.hpp. Throws VaultError(invalid).
namespace egress::vault {

// Name trimmed, source type defaulted to "inline", value kept as given; revision stamped.
Credential normalize_credential(Credential raw, int64_t revision);

// Name trimmed; match defaults filled in, values normalised and de-duplicated; auth checked.
// Match and auth errors carry the prefix `binding "<name>": `.
Binding normalize_binding(Binding raw, const VaultSettings& settings);

}  // namespace egress::vault
