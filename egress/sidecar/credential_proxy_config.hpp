#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/ip_prefix.hpp"

namespace egress::sidecar {

// The mark on the credential proxy's onward connections (see nft::InterceptRedirect).
inline constexpr uint32_t kInterceptMark = 0x2;

// The credential vault and the proxy that injects its credentials (upstream's variable names,
// which still say "mitmproxy").
struct CredentialProxyConfig {
    bool enabled = false;  // OPENSANDBOX_EGRESS_MITMPROXY_TRANSPARENT
    // OPENSANDBOX_EGRESS_MITMPROXY_PORT. Upstream's default, 18081, is this sidecar's probe port.
    uint16_t port = 18082;
    bool insecure_upstream = false;            // OPENSANDBOX_EGRESS_MITMPROXY_SSL_INSECURE
    std::filesystem::path upstream_trust_dir;  // OPENSANDBOX_EGRESS_MITMPROXY_UPSTREAM_TRUST_DIR
    // Where the CA key stays (never on the shared volume): OPENSANDBOX_EGRESS_CREDENTIAL_PROXY_STATE_DIR.
    std::filesystem::path state_dir = "/var/lib/opensandbox-egress/credential-proxy";
    // Where the workload's bootstrap finds the CA certificate: OPENSANDBOX_EGRESS_CREDENTIAL_PROXY_CA_FILE.
    std::filesystem::path ca_certificate_file = "/opt/opensandbox/mitmproxy-ca-cert.pem";
    bool require_tls = false;                       // OPENSANDBOX_EGRESS_CREDENTIAL_VAULT_REQUIRE_TLS
    std::vector<common::IpPrefix> trusted_proxies;  // OPENSANDBOX_EGRESS_CREDENTIAL_VAULT_TRUSTED_PROXY_CIDRS
    bool require_scoped_match = false;  // OPENSANDBOX_EGRESS_CREDENTIAL_VAULT_REQUIRE_SCOPED_MATCH
};

class ConfigReader;

// Throws std::invalid_argument naming the variable for values that cannot be used; records values
// with a fallback, and upstream variables this sidecar does not implement, in `env`.
CredentialProxyConfig load_credential_proxy_config(ConfigReader& env);

}  // namespace egress::sidecar
