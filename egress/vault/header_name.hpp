#pragma once

#include <string>
#include <string_view>

// Names of the headers a binding injects.
namespace egress::vault {

// Go's http.CanonicalHeaderKey: "x-api-key" -> "X-Api-Key"; a name with a byte that is not a
// token character is returned unchanged.
std::string canonical_header_key(std::string_view name);

// Throws VaultError(invalid): `invalid credential header name "<n>"` (empty or not an RFC 7230
// token) or `reserved credential header name "<n>"` (hop-by-hop, framing or forwarding headers).
void validate_credential_header_name(std::string_view name);

}  // namespace egress::vault
