#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/api_response.hpp"
#include "api/http_routes.hpp"
#include "common/ip_prefix.hpp"
#include "policy/policy_engine.hpp"
#include "vault/credential_vault.hpp"

namespace egress::api {

// What decides whether the vault may be written (upstream's Ready() and transport gates).
struct VaultAccess {
    std::string token;  // the API token; writes need one
    bool proxy_enabled = false;
    bool dns_nft_mode = false;
    bool insecure_upstream = false;
    std::function<bool()> proxy_ready;  // the credential proxy is listening
    bool require_tls = false;
    std::vector<common::IpPrefix> trusted_proxies;  // whose X-Forwarded-Proto: https is believed
};

// /credential-vault and its subresources, with upstream's routes, gates, statuses and texts.
// Writes happen while no policy change can, against the policy in force.
class VaultHandlers {
  public:
    VaultHandlers(vault::CredentialVault& vault, policy::PolicyEngine& engine, VaultAccess access);

    static bool serves(std::string_view path);

    // Everything decided by the head: routes, auth, reads, DELETE, the write gates. nullopt for a
    // POST or PATCH that passed its gates: answer() takes it once the body is read.
    std::optional<ApiResponse> answer_head(const HttpRequest& head);
    ApiResponse answer(const HttpRequest& request);

  private:
    std::optional<ApiResponse> answer_root(const HttpRequest& head);
    std::optional<ApiResponse> refuse_write(const HttpRequest& head) const;
    bool trusted_transport(const HttpRequest& head) const;
    ApiResponse create(std::string_view body);
    ApiResponse patch(std::string_view body);
    ApiResponse remove();
    ApiResponse list_credentials() const;
    ApiResponse list_bindings() const;
    ApiResponse credential(std::string_view name) const;
    ApiResponse binding(std::string_view name) const;

    vault::CredentialVault& vault_;
    policy::PolicyEngine& engine_;
    VaultAccess access_;
};

}  // namespace egress::api
