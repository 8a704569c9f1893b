#pragma once

#include <map>
#include <string>

#include "vault/vault_model.hpp"

namespace egress::vault {

// Whether one request could match both bindings at the same host precedence: schemes, ports and
// methods intersect, paths overlap, and a host is shared (exact equal, or one wildcard suffix
// equal to or nested in the other; exact and wildcard never collide, exact wins).
bool bindings_ambiguous(const Binding& left, const Binding& right);

// Throws VaultError(invalid) `bindings "<a>" and "<b>" can match the same request` for the first
// such pair in name order.
void check_binding_ambiguity(const std::map<std::string, Binding>& bindings);

}  // namespace egress::vault
