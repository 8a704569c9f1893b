#include "vault/credential_vault.hpp"

#include <utility>

#include "vault/candidate_validation.hpp"
#include "vault/vault_contents.hpp"
#include "vault/vault_error.hpp"
#include "vault/vault_mutation.hpp"

namespace egress::vault {
namespace {

VaultContents contents_of(const VaultState& state) {
    VaultContents contents;
    for (const Credential& credential : state.credentials) {
        contents.credentials.emplace(credential.name, credential);
    }
    for (const Binding& binding : state.bindings) {
        contents.bindings.emplace(binding.name, binding);
    }
    return contents;
}

VaultState state_of(int64_t revision, VaultContents contents) {
    VaultState state;
    state.revision = revision;
    for (auto& [name, credential] : contents.credentials) {
        state.credentials.push_back(std::move(credential));
    }
    for (auto& [name, binding] : contents.bindings) {
        state.bindings.push_back(std::move(binding));
    }
    return state;
}

const std::string& credential_value(const VaultState& state, const std::string& name) {
    for (const Credential& credential : state.credentials) {
        if (credential.name == name) {
            return credential.value;
        }
    }
    static const std::string missing;
    return missing;  // unreachable for a validated state
}

// bearer/basic: "Authorization: Bearer|Basic <v>" (basic values are already base64 user:pass);
// apiKey: "<Name>: <v>"; customHeaders: one header per entry.
ActiveBinding render_binding(const Binding& binding, const VaultState& state) {
    ActiveBinding active{binding.name, binding.match, {}, {}};
    const BindingAuth& auth = binding.auth;
    const auto add = [&](std::string name, const std::string& credential, std::string_view scheme_prefix) {
        const std::string& value = credential_value(state, credential);
        active.headers.push_back({std::move(name), std::string(scheme_prefix) + value});
        active.secrets.push_back(value);
    };
    if (auth.type == "bearer") {
        add("Authorization", auth.credential, "Bearer ");
    } else if (auth.type == "basic") {
        add("Authorization", auth.credential, "Basic ");
    } else if (auth.type == "apiKey") {
        add(auth.name, auth.credential, "");
    } else {
        for (const HeaderCredential& header : auth.headers) {
            add(header.name, header.credential, "");
        }
    }
    return active;
}

std::shared_ptr<const ActiveBindings> render_active(const VaultState& state) {
    std::vector<ActiveBinding> bindings;
    bindings.reserve(state.bindings.size());
    for (const Binding& binding : state.bindings) {
        bindings.push_back(render_binding(binding, state));
    }
    return std::make_shared<const ActiveBindings>(state.revision, std::move(bindings));
}

[[noreturn]] void throw_not_found() {
    throw VaultError(VaultError::Kind::not_found, "credential vault not found");
}

}  // namespace

CredentialVault::CredentialVault(VaultSettings settings) : settings_(std::move(settings)) {}

VaultState CredentialVault::create(CreateRequest request, const policy::PolicySnapshot& policy) {
    const std::lock_guard lock(mutex_);
    if (state_) {
        throw VaultError(VaultError::Kind::conflict, "credential vault already exists");
    }
    VaultContents contents = build_created_contents(std::move(request), settings_);
    validate_candidate(contents, policy, settings_);
    VaultState next = state_of(1, std::move(contents));
    auto next_active = render_active(next);
    state_ = std::move(next);
    active_ = std::move(next_active);
    return *state_;
}

VaultState CredentialVault::patch(PatchRequest request, const policy::PolicySnapshot& policy) {
    const std::lock_guard lock(mutex_);
    if (!state_) {
        throw_not_found();
    }
    const int64_t current = state_->revision;
    if (request.expected_revision && *request.expected_revision != current) {
        throw VaultError(VaultError::Kind::conflict,
                         "expectedRevision " + std::to_string(*request.expected_revision) +
                             " does not match current revision " + std::to_string(current));
    }
    VaultContents contents = contents_of(*state_);
    apply_patch(contents, std::move(request), current + 1, settings_);
    validate_candidate(contents, policy, settings_);
    VaultState next = state_of(current + 1, std::move(contents));
    auto next_active = render_active(next);
    state_ = std::move(next);
    active_ = std::move(next_active);
    return *state_;
}

void CredentialVault::remove() {
    const std::lock_guard lock(mutex_);
    if (!state_) {
        throw_not_found();
    }
    state_.reset();
    active_.reset();
}

std::optional<VaultState> CredentialVault::state() const {
    const std::lock_guard lock(mutex_);
    return state_;
}

void CredentialVault::check_policy(const policy::PolicySnapshot& candidate) const {
    const std::lock_guard lock(mutex_);
    if (!state_ || state_->bindings.empty()) {
        return;
    }
    validate_candidate(contents_of(*state_), candidate, settings_);
}

std::shared_ptr<const ActiveBindings> CredentialVault::active() const {
    const std::lock_guard lock(mutex_);
    return active_;
}

}  // namespace egress::vault
