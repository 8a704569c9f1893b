#pragma once

#include <map>
#include <string>

#include "vault/vault_model.hpp"

namespace egress::vault {

// The vault's credentials and bindings keyed (and so ordered) by name: the form a candidate
// change is built and validated in before it replaces the current one.
struct VaultContents {
    std::map<std::string, Credential> credentials;
    std::map<std::string, Binding> bindings;
};

}  // namespace egress::vault
