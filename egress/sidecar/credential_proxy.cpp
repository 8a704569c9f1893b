#include "sidecar/credential_proxy.hpp"

#include <spdlog/spdlog.h>

#include "policy/policy_error.hpp"
#include "vault/vault_error.hpp"

namespace egress::sidecar {
namespace {

vault::VaultSettings vault_settings(const CredentialProxyConfig& config) {
    vault::VaultSettings settings;
    settings.require_scoped_match = config.require_scoped_match;
    return settings;
}

intercept::InterceptSettings intercept_settings(const CredentialProxyConfig& config) {
    intercept::InterceptSettings settings;
    settings.port = config.port;
    settings.upstream_mark = kInterceptMark;
    settings.extra_trust_dir = config.upstream_trust_dir;
    settings.insecure_upstream = config.insecure_upstream;
    return settings;
}

}  // namespace

CredentialProxy::CredentialProxy(const EgressConfig& config)
    : config_(config), vault_(vault_settings(config.credential_proxy)) {}

CredentialProxy::~CredentialProxy() {
    stop();
}

void CredentialProxy::guard(policy::PolicyEngine& engine) {
    engine.set_change_guard([this](const policy::PolicySnapshot& candidate) {
        try {
            vault_.check_policy(candidate);
        } catch (const vault::VaultError& error) {
            throw policy::GuardRefusal(std::string("credential vault policy validation: ") + error.what());
        }
    });
}

void CredentialProxy::start(const Enforcement& enforcement, common::MetricsRegistry& metrics) {
    const auto& proxy = config_.credential_proxy;
    // Enabled outside dns+nft mode is a configuration fallback, already reported.
    if (!proxy.enabled || config_.mode != EnforcementMode::dns_nft) {
        return;
    }
    if (!enforcement.intercepts()) {
        spdlog::warn(
            "credential proxy disabled: the nft nat chain is unavailable (iptables redirect in use)");
        return;
    }
    authority_ = tls::CertificateAuthority::load_or_create(proxy.state_dir);
    authority_->publish_certificate(proxy.ca_certificate_file);
    const auto& provenance = enforcement.provenance();
    server_ = std::make_unique<intercept::InterceptServer>(
        intercept_settings(proxy), *authority_, [this] { return vault_.active(); },
        [&provenance](const common::IpAddress& address) { return provenance.names_of(address); }, metrics);
    server_->start();
    spdlog::info(
        "credential proxy listening on 127.0.0.1:{} (ports 80 and 443 intercepted; CA certificate at {})",
        proxy.port, proxy.ca_certificate_file.string());
}

void CredentialProxy::stop() {
    if (server_) {
        server_->stop();
    }
}

api::VaultAccess CredentialProxy::access() const {
    const auto& proxy = config_.credential_proxy;
    api::VaultAccess access;
    access.token = config_.api_token;
    access.proxy_enabled = proxy.enabled;
    access.dns_nft_mode = config_.mode == EnforcementMode::dns_nft;
    access.insecure_upstream = proxy.insecure_upstream;
    access.proxy_ready = [this] { return running(); };
    access.require_tls = proxy.require_tls;
    access.trusted_proxies = proxy.trusted_proxies;
    return access;
}

}  // namespace egress::sidecar
