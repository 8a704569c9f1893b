#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "api/webhook_url.hpp"
#include "common/ip_address.hpp"
#include "common/ip_endpoint.hpp"
#include "common/ip_prefix.hpp"
#include "common/log.hpp"
#include "nft/redirect_backend.hpp"
#include "sidecar/config_fallback.hpp"
#include "sidecar/config_reader.hpp"
#include "sidecar/credential_proxy_config.hpp"

namespace egress::sidecar {

enum class EnforcementMode { dns, dns_nft };

// "dns" or "dns+nft": the value upstream reports as enforcementMode.
std::string_view to_string(EnforcementMode mode);

// OPENSANDBOX_EGRESS_MODE: '+'-separated tokens in any order; "dns" is required, "nft" optional
// ("dns", "dns+nft", "nft+dns"). nullopt for anything else (the caller warns and uses dns).
std::optional<EnforcementMode> parse_mode(std::string_view text);

// Everything the sidecar reads from its environment, parsed and validated once at start.
struct EgressConfig {
    // OPENSANDBOX_EGRESS_STRICT: every fallback below refuses the start instead of a warning.
    bool strict = false;
    // The settings that could not be used as given, in the order read (see handle_fallbacks).
    std::vector<ConfigFallback> fallbacks;

    EnforcementMode mode = EnforcementMode::dns;

    std::string log_level = "info";
    std::string log_output = "stdout";
    common::LogRotation log_rotation;  // OPENSANDBOX_EGRESS_LOG_MAX_BYTES, _LOG_FILES
    bool banner = true;                // OPENSANDBOX_EGRESS_BANNER: the version banner on stderr

    std::string rules_json;             // OPENSANDBOX_EGRESS_RULES
    std::filesystem::path policy_file;  // OPENSANDBOX_EGRESS_POLICY_FILE
    size_t max_rules = 4096;            // OPENSANDBOX_EGRESS_MAX_RULES
    std::filesystem::path always_rules_dir = "/var/egress/rules";
    std::chrono::milliseconds always_rules_reload{5000};

    std::vector<common::IpEndpoint> dns_listen;     // OPENSANDBOX_EGRESS_DNS_LISTEN
    std::vector<common::IpEndpoint> dns_upstreams;  // OPENSANDBOX_EGRESS_DNS_UPSTREAM, else resolv.conf
    bool upstreams_from_resolv_conf = false;
    std::vector<common::IpAddress> nameserver_exempt;
    std::chrono::milliseconds dns_upstream_timeout{5000};
    std::chrono::milliseconds dns_probe_interval{30000};
    std::string dns_probe_name;  // OPENSANDBOX_EGRESS_DNS_UPSTREAM_PROBE, trimmed; "" or ".": ". IN NS"
    size_t event_lines_per_second = 100;  // OPENSANDBOX_EGRESS_EVENT_LOG_RATE
    uint32_t socket_mark = 0x1;
    // OPENSANDBOX_EGRESS_REQUIRE_OWN_CGROUP: refuse to start when egress's traffic cannot be told
    // apart by its cgroup (then only the mark, which CAP_NET_RAW can forge, tells it apart).
    bool require_own_cgroup = false;

    // nftables (the filter chain only in dns+nft mode; the DNS redirect in both modes).
    bool cleanup_on_exit = false;  // OPENSANDBOX_EGRESS_CLEANUP_ON_EXIT
    nft::RedirectBackend redirect_backend = nft::RedirectBackend::automatic;  // OPENSANDBOX_EGRESS_REDIRECT
    std::optional<std::string> iptables_command;   // OPENSANDBOX_EGRESS_IPTABLES (default: chosen at start)
    std::optional<std::string> ip6tables_command;  // OPENSANDBOX_EGRESS_IP6TABLES
    bool block_doh_443 = false;                    // OPENSANDBOX_EGRESS_BLOCK_DOH_443
    std::vector<common::IpPrefix> doh_blocklist;   // OPENSANDBOX_EGRESS_DOH_BLOCKLIST
    std::chrono::seconds ttl_grace{60};            // OPENSANDBOX_EGRESS_NFT_TTL_GRACE_SEC
    std::chrono::seconds ttl_min{60};              // OPENSANDBOX_EGRESS_NFT_TTL_MIN_SEC
    std::chrono::seconds ttl_max{360};             // OPENSANDBOX_EGRESS_NFT_TTL_MAX_SEC
    // A learned address in use stays at least this long after its last packet; 0: elements expire
    // with their answer's TTL, used or not (upstream's behaviour).
    std::chrono::seconds use_tail{900};  // OPENSANDBOX_EGRESS_NFT_USE_TAIL_SEC
    // Learned addresses kept per name and in all; beyond them the least recently used go.
    size_t max_addresses_per_name = 256;   // OPENSANDBOX_EGRESS_NFT_MAX_ADDRESSES_PER_NAME
    size_t max_learned_addresses = 60000;  // OPENSANDBOX_EGRESS_NFT_MAX_LEARNED_ADDRESSES
    // Names in use whose answer went stale are asked again in the background: at most this many a
    // second (0: never), each at most once per interval.
    size_t revalidations_per_second = 10;            // OPENSANDBOX_EGRESS_NFT_REVALIDATE_PER_SEC
    std::chrono::seconds revalidation_interval{60};  // OPENSANDBOX_EGRESS_NFT_REVALIDATE_NAME_SEC

    // Policy API (OPENSANDBOX_EGRESS_HTTP_ADDR, Go syntax: ":18080", "127.0.0.1:18080", "[::1]:18080").
    std::string http_host;  // empty: every interface
    uint16_t http_port = 18080;
    std::string api_token;              // OPENSANDBOX_EGRESS_TOKEN, not trimmed (as upstream)
    size_t http_max_connections = 128;  // OPENSANDBOX_EGRESS_HTTP_MAX_CONNECTIONS
    // Liveness and readiness on a listener of their own (every interface); 0: none.
    uint16_t health_port = 18081;  // OPENSANDBOX_EGRESS_HEALTH_PORT

    // Deny webhook.
    std::optional<api::WebhookUrl> deny_webhook;               // OPENSANDBOX_EGRESS_DENY_WEBHOOK
    std::string sandbox_id;                                    // OPENSANDBOX_EGRESS_SANDBOX_ID
    std::string webhook_secret;                                // OPENSANDBOX_EGRESS_DENY_WEBHOOK_SECRET
    std::chrono::milliseconds webhook_coalesce_window{10000};  // OPENSANDBOX_EGRESS_DENY_WEBHOOK_WINDOW_SEC

    CredentialProxyConfig credential_proxy;
};

// The rotation of log files: OPENSANDBOX_EGRESS_LOG_MAX_BYTES (0: none) and
// OPENSANDBOX_EGRESS_LOG_FILES; a bad value gives the default, recorded in `reader`.
inline constexpr int64_t kMaxLogFiles = 1000;
common::LogRotation log_rotation(ConfigReader& reader);

// Go's listen address syntax: [host]:port, host optional. Throws std::invalid_argument.
std::pair<std::string, uint16_t> parse_http_address(std::string_view text);

// Reads the environment (and resolv_conf_path when no upstream is configured). Throws
// std::invalid_argument with a message naming the variable for values that cannot be used at all;
// values that have a fallback are used with it and listed in `fallbacks` (read every setting
// through ConfigReader, so none is left out of strict mode).
EgressConfig load_config_from_environment(const std::filesystem::path& resolv_conf_path = "/etc/resolv.conf");

}  // namespace egress::sidecar
