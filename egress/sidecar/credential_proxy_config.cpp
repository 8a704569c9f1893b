#include "sidecar/credential_proxy_config.hpp"

#include <stdexcept>

#include "common/config.hpp"

namespace egress::sidecar {
namespace {

std::vector<common::IpPrefix> parse_trusted_proxies(const std::vector<std::string>& entries) {
    std::vector<common::IpPrefix> prefixes;
    for (const auto& entry : entries) {
        if (auto prefix = common::IpPrefix::parse(entry)) {
            prefixes.push_back(prefix->masked());
        } else if (auto address = common::IpAddress::parse(entry)) {
            prefixes.push_back(common::IpPrefix::host(*address));
        } else {
            throw std::invalid_argument("OPENSANDBOX_EGRESS_CREDENTIAL_VAULT_TRUSTED_PROXY_CIDRS: \"" +
                                        entry + "\" is neither an IP address nor a CIDR");
        }
    }
    return prefixes;
}

}  // namespace

CredentialProxyConfig load_credential_proxy_config() {
    CredentialProxyConfig config;
    config.enabled = common::env_truthy("OPENSANDBOX_EGRESS_MITMPROXY_TRANSPARENT");
    config.port = static_cast<uint16_t>(
        common::env_int_in_range_or("OPENSANDBOX_EGRESS_MITMPROXY_PORT", 18082, 1, 65535));
    config.insecure_upstream = common::env_truthy("OPENSANDBOX_EGRESS_MITMPROXY_SSL_INSECURE");
    config.upstream_trust_dir =
        common::env_trimmed("OPENSANDBOX_EGRESS_MITMPROXY_UPSTREAM_TRUST_DIR").value_or("");
    config.state_dir =
        common::env_or("OPENSANDBOX_EGRESS_CREDENTIAL_PROXY_STATE_DIR", config.state_dir.string());
    config.ca_certificate_file =
        common::env_or("OPENSANDBOX_EGRESS_CREDENTIAL_PROXY_CA_FILE", config.ca_certificate_file.string());
    config.require_tls = common::env_truthy("OPENSANDBOX_EGRESS_CREDENTIAL_VAULT_REQUIRE_TLS");
    config.trusted_proxies =
        parse_trusted_proxies(common::env_list("OPENSANDBOX_EGRESS_CREDENTIAL_VAULT_TRUSTED_PROXY_CIDRS"));
    config.require_scoped_match =
        common::env_truthy("OPENSANDBOX_EGRESS_CREDENTIAL_VAULT_REQUIRE_SCOPED_MATCH");
    for (const char* name :
         {"OPENSANDBOX_EGRESS_MITMPROXY_SCRIPT", "OPENSANDBOX_EGRESS_MITMPROXY_EXTRA_PORTS",
          "OPENSANDBOX_EGRESS_EXPERIMENTAL_REVISION_RUNTIME"}) {
        if (common::env_trimmed(name)) {
            config.ignored_settings.emplace_back(name);
        }
    }
    return config;
}

}  // namespace egress::sidecar
