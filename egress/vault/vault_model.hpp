#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// The credential vault's data as the API receives and returns it (upstream's shapes, normalised).
namespace egress::vault {

struct Credential {
    std::string name;
    std::string source_type = "inline";
    std::string value;     // the secret: never serialised into a response, a log or a metric
    int64_t revision = 0;  // the vault revision at which it was last added or replaced
};

// Which requests a binding applies to; defaults filled in and lists de-duplicated in first-seen
// order by normalisation (schemes lowercase, methods uppercase, hosts lowercase without the dot).
struct BindingMatch {
    std::vector<std::string> schemes;
    std::vector<uint16_t> ports;
    std::vector<std::string> hosts;  // "api.example.com" or "*.example.com"
    std::vector<std::string> methods;
    std::vector<std::string> paths;  // "/exact" or "/prefix*"
    // The first wire port outside 1-65535 (it does not fit `ports`); validation refuses it with
    // upstream's "invalid port N". Always empty once normalised.
    std::optional<int64_t> invalid_wire_port;
    bool operator==(const BindingMatch&) const = default;
};

struct HeaderCredential {
    std::string name;  // canonical header name (Go's CanonicalHeaderKey)
    std::string credential;
    bool operator==(const HeaderCredential&) const = default;
};

// type: "bearer", "basic", "apiKey" (name + credential) or "customHeaders" (headers).
struct BindingAuth {
    std::string type;
    std::string name;
    std::string credential;
    std::vector<HeaderCredential> headers;
    bool operator==(const BindingAuth&) const = default;
};

struct Binding {
    std::string name;
    BindingMatch match;
    BindingAuth auth;
    bool operator==(const Binding&) const = default;
};

// POST /credential-vault.
struct CreateRequest {
    std::vector<Credential> credentials;
    std::vector<Binding> bindings;
};

// One set's part of a PATCH: applied as delete, then replace, then add.
template <typename Item>
struct SetMutation {
    std::vector<Item> add;
    std::vector<Item> replace;
    std::vector<std::string> remove;  // "delete" on the wire
};

// PATCH /credential-vault.
struct PatchRequest {
    std::optional<int64_t> expected_revision;
    SetMutation<Credential> credentials;
    SetMutation<Binding> bindings;
};

// What GET returns: both lists sorted by name.
struct VaultState {
    int64_t revision = 0;
    std::vector<Credential> credentials;
    std::vector<Binding> bindings;
};

}  // namespace egress::vault
