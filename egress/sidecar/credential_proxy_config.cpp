#include "sidecar/credential_proxy_config.hpp"

#include <stdexcept>
#include <utility>

#include "common/config.hpp"
#include "sidecar/config_reader.hpp"

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

void record_unsupported_settings(ConfigReader& env) {
    for (const char* name :
         {"OPENSANDBOX_EGRESS_MITMPROXY_SCRIPT", "OPENSANDBOX_EGRESS_MITMPROXY_EXTRA_PORTS",
          "OPENSANDBOX_EGRESS_EXPERIMENTAL_REVISION_RUNTIME"}) {
        if (const auto value = common::env_trimmed(name)) {
            ConfigFallback fallback =
                make_config_fallback(name, *value, "not supported by this egress", "the setting is ignored");
            fallback.warning = std::string(name) + " is not supported by this egress and is ignored";
            env.record(std::move(fallback));
        }
    }
}

}  // namespace

CredentialProxyConfig load_credential_proxy_config(ConfigReader& env) {
    CredentialProxyConfig config;
    config.enabled = env.flag("OPENSANDBOX_EGRESS_MITMPROXY_TRANSPARENT");
    config.port = static_cast<uint16_t>(env.integer("OPENSANDBOX_EGRESS_MITMPROXY_PORT", 18082, 1, 65535));
    config.insecure_upstream = env.flag("OPENSANDBOX_EGRESS_MITMPROXY_SSL_INSECURE");
    config.upstream_trust_dir =
        common::env_trimmed("OPENSANDBOX_EGRESS_MITMPROXY_UPSTREAM_TRUST_DIR").value_or("");
    config.state_dir =
        common::env_or("OPENSANDBOX_EGRESS_CREDENTIAL_PROXY_STATE_DIR", config.state_dir.string());
    config.ca_certificate_file =
        common::env_or("OPENSANDBOX_EGRESS_CREDENTIAL_PROXY_CA_FILE", config.ca_certificate_file.string());
    config.require_tls = env.flag("OPENSANDBOX_EGRESS_CREDENTIAL_VAULT_REQUIRE_TLS");
    config.trusted_proxies =
        parse_trusted_proxies(common::env_list("OPENSANDBOX_EGRESS_CREDENTIAL_VAULT_TRUSTED_PROXY_CIDRS"));
    config.require_scoped_match = env.flag("OPENSANDBOX_EGRESS_CREDENTIAL_VAULT_REQUIRE_SCOPED_MATCH");
    record_unsupported_settings(env);
    return config;
}

}  // namespace egress::sidecar
