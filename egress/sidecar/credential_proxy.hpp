#pragma once

#include <memory>

#include "api/vault_handlers.hpp"
#include "common/metrics.hpp"
#include "intercept/intercept_server.hpp"
#include "policy/policy_engine.hpp"
#include "sidecar/config.hpp"
#include "sidecar/enforcement.hpp"
#include "tls/certificate_authority.hpp"
#include "vault/credential_vault.hpp"

namespace egress::sidecar {

// The credential vault and the proxy that applies it: the vault exists in every mode (reads work,
// writes say why they cannot happen); the proxy runs when it is enabled in dns+nft mode with the
// nft nat chain redirecting the workload's ports 80 and 443 to it.
class CredentialProxy {
  public:
    explicit CredentialProxy(const EgressConfig& config);
    ~CredentialProxy();
    CredentialProxy(const CredentialProxy&) = delete;
    CredentialProxy& operator=(const CredentialProxy&) = delete;

    vault::CredentialVault& vault() { return vault_; }
    // From here on a policy change that would uncover a bound host is refused.
    void guard(policy::PolicyEngine& engine);
    // Creates or loads the CA, publishes its certificate and starts the proxy, when enforcement
    // redirects to it; logs why not otherwise. Throws std::runtime_error when it cannot start.
    void start(const Enforcement& enforcement, common::MetricsRegistry& metrics);
    void stop();
    bool running() const { return server_ != nullptr; }

    api::VaultAccess access() const;

  private:
    const EgressConfig& config_;
    vault::CredentialVault vault_;
    std::unique_ptr<tls::CertificateAuthority> authority_;
    std::unique_ptr<intercept::InterceptServer> server_;
};

}  // namespace egress::sidecar
