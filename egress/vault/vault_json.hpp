#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "vault/vault_model.hpp"

// The vault's wire format: strict request decoding (unknown fields refused, keys matched
// case-insensitively as Go's encoding/json does) and responses that never carry a secret.
namespace egress::vault {

// Throws VaultError(invalid) with the decoder's message alone (e.g. `json: unknown field "x"`,
// `EOF` for an empty body); the API adds upstream's "invalid credential vault request: " prefix.
// Only shapes are checked here; names, hosts, headers are validated by the vault.
CreateRequest parse_create_request(std::string_view body);
PatchRequest parse_patch_request(std::string_view body);

// {"revision","credentials":[…],"bindings":[…]}: arrays always present, in the order given.
nlohmann::ordered_json state_json(const VaultState& state);
// {"name","sourceType","revision"}
nlohmann::ordered_json credential_json(const Credential& credential);
// {"name","revision","match":{…},"auth":{"type","name"?}}: revision is the vault's.
nlohmann::ordered_json binding_json(const Binding& binding, int64_t vault_revision);

}  // namespace egress::vault
