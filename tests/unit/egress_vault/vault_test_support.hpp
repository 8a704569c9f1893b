#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

#include "policy/policy_json.hpp"
#include "policy/policy_snapshot.hpp"
#include "vault/vault_error.hpp"
#include "vault/vault_model.hpp"

namespace egress::vault::testing {

inline std::shared_ptr<const policy::PolicySnapshot> policy_from_json(std::string_view json,
                                                                      policy::AlwaysRules overlay = {}) {
    return policy::PolicySnapshot::make(policy::parse_policy(json), std::move(overlay));
}

// Allows api.github.com and everything below example.com.
inline std::shared_ptr<const policy::PolicySnapshot> github_policy() {
    return policy_from_json(
        R"({"defaultAction":"deny","egress":[{"action":"allow","target":"api.github.com"},)"
        R"({"action":"allow","target":"*.example.com"}]})");
}

inline Credential inline_credential(std::string name, std::string value) {
    Credential credential;
    credential.name = std::move(name);
    credential.source_type = "";
    credential.value = std::move(value);
    return credential;
}

inline Binding bearer_binding(std::string name, std::string host, std::string credential) {
    Binding binding;
    binding.name = std::move(name);
    binding.match.hosts = {std::move(host)};
    binding.auth.type = "bearer";
    binding.auth.credential = std::move(credential);
    return binding;
}

inline CreateRequest github_request() {
    CreateRequest request;
    request.credentials.push_back(inline_credential("gh", "ghp_secret_value"));
    request.bindings.push_back(bearer_binding("gh-api", "api.github.com", "gh"));
    return request;
}

// Runs `action`, expecting a VaultError of `kind` whose message is exactly `message`.
template <typename Action>
void expect_vault_error(Action&& action, VaultError::Kind kind, std::string_view message) {
    try {
        action();
        ADD_FAILURE() << "expected VaultError: " << message;
    } catch (const VaultError& error) {
        EXPECT_EQ(std::string(error.what()), message);
        EXPECT_EQ(error.kind(), kind);
    }
}

template <typename Action>
void expect_invalid(Action&& action, std::string_view message) {
    expect_vault_error(std::forward<Action>(action), VaultError::Kind::invalid, message);
}

}  // namespace egress::vault::testing
