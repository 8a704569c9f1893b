#include "sidecar/config.hpp"

#include <charconv>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include "common/config.hpp"
#include "dns/probe_query.hpp"
#include "dns/upstream_config.hpp"
#include "policy/policy_changes.hpp"
#include "sidecar/config_reader.hpp"

namespace egress::sidecar {
namespace {

constexpr int64_t kMaxUpstreamTimeoutSeconds = 120;

std::string read_text_file(const std::filesystem::path& path) {
    std::ifstream file(path);
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

std::vector<common::IpEndpoint> parse_listen_list(const std::string& text) {
    try {
        return dns::parse_upstream_list(text.empty() ? "127.0.0.1:15353,[::1]:15353" : text);
    } catch (const std::invalid_argument& error) {
        throw std::invalid_argument(std::string("OPENSANDBOX_EGRESS_DNS_LISTEN: ") + error.what());
    }
}

uint32_t parse_mark(const std::string& text) {
    if (text.empty()) {
        return 0x1;
    }
    try {
        size_t used = 0;
        const unsigned long value = std::stoul(text, &used, 0);
        if (used == text.size() && value > 0 && value <= 0xFFFFFFFFul) {
            return static_cast<uint32_t>(value);
        }
    } catch (const std::exception&) {
    }
    throw std::invalid_argument("OPENSANDBOX_EGRESS_SOCKET_MARK: \"" + text +
                                "\" is not a non-zero 32-bit number (e.g. 0x1)");
}

// Refuses at start a name the probe could not send.
std::string parse_probe_name(std::string_view text) {
    std::string name(common::trim(text));
    try {
        dns::build_probe_query(name);
    } catch (const std::invalid_argument& error) {
        throw std::invalid_argument(std::string("OPENSANDBOX_EGRESS_DNS_UPSTREAM_PROBE: ") + error.what());
    }
    return name;
}

void load_upstreams(EgressConfig& config, const std::filesystem::path& resolv_conf_path) {
    const std::string configured = common::env_or("OPENSANDBOX_EGRESS_DNS_UPSTREAM", "");
    if (!common::trim(configured).empty()) {
        try {
            config.dns_upstreams = dns::parse_upstream_list(configured);
        } catch (const std::invalid_argument& error) {
            throw std::invalid_argument(std::string("OPENSANDBOX_EGRESS_DNS_UPSTREAM: ") + error.what());
        }
        return;
    }
    config.upstreams_from_resolv_conf = true;
    config.dns_upstreams =
        dns::upstreams_from_nameservers(dns::nameservers_from_resolv_conf(read_text_file(resolv_conf_path)));
    if (config.dns_upstreams.empty()) {
        throw std::invalid_argument(
            "no DNS upstream: " + resolv_conf_path.string() +
            " has no usable nameserver and OPENSANDBOX_EGRESS_DNS_UPSTREAM is not set");
    }
}

// Entries are single IPs or CIDRs; anything else is left out (upstream's warning).
void load_doh_blocklist(EgressConfig& config, ConfigReader& env) {
    const std::string variable = "OPENSANDBOX_EGRESS_DOH_BLOCKLIST";
    const std::string value = env.text(variable);
    for (const auto& entry : common::split_list(value)) {
        if (auto prefix = common::IpPrefix::parse(entry)) {
            config.doh_blocklist.push_back(prefix->masked());
        } else if (auto address = common::IpAddress::parse(entry)) {
            config.doh_blocklist.push_back(common::IpPrefix::host(*address));
        } else {
            ConfigFallback fallback = make_config_fallback(
                variable, value, "entry \"" + entry + "\" is neither an IP address nor a CIDR",
                "the entry is ignored");
            fallback.warning = "ignoring invalid DoH blocklist entry: " + entry;
            env.record(std::move(fallback));
        }
    }
}

// Single IPs only; anything else is left out.
void load_nameserver_exempt(EgressConfig& config, ConfigReader& env) {
    const std::string variable = "OPENSANDBOX_EGRESS_NAMESERVER_EXEMPT";
    const std::string value = env.text(variable);
    auto exempt = dns::parse_exempt_list(value);
    config.nameserver_exempt = std::move(exempt.addresses);
    for (const auto& entry : exempt.rejected) {
        ConfigFallback fallback = make_config_fallback(
            variable, value, "entry \"" + entry + "\" is not a single IP address", "the entry is ignored");
        fallback.warning =
            "ignoring " + variable + " entry \"" + entry + "\": only single IP addresses are allowed";
        env.record(std::move(fallback));
    }
}

void load_mode(EgressConfig& config, ConfigReader& env) {
    const std::string mode_text = env.text("OPENSANDBOX_EGRESS_MODE");
    if (auto mode = parse_mode(mode_text)) {
        config.mode = *mode;
        return;
    }
    ConfigFallback fallback = make_config_fallback("OPENSANDBOX_EGRESS_MODE", mode_text,
                                                   "not dns, dns+nft or nft+dns", "using dns");
    fallback.warning = "invalid OPENSANDBOX_EGRESS_MODE=" + mode_text + ", falling back to dns";
    env.record(std::move(fallback));
}

// Unset or empty: on.
void load_banner(EgressConfig& config, ConfigReader& env) {
    const std::string value = env.text("OPENSANDBOX_EGRESS_BANNER");
    if (value.empty()) {
        return;
    }
    if (const auto banner = parse_flag(value)) {
        config.banner = *banner;
        return;
    }
    env.record(
        make_config_fallback("OPENSANDBOX_EGRESS_BANNER", value, "not a boolean", "printing the banner"));
}

// The names common::log_level_from_name knows; it reads anything else as info.
void load_log_level(EgressConfig& config, ConfigReader& env) {
    config.log_level = env.text("OPENSANDBOX_EGRESS_LOG_LEVEL", "info");
    for (const std::string_view name : {"debug", "info", "warn", "warning", "error", "fatal"}) {
        if (common::equals_ignoring_case(common::trim(config.log_level), name)) {
            return;
        }
    }
    env.record(make_config_fallback("OPENSANDBOX_EGRESS_LOG_LEVEL", config.log_level,
                                    "not debug, info, warn, error or fatal", "using info"));
}

void load_max_rules(EgressConfig& config, ConfigReader& env) {
    const std::string text = env.text("OPENSANDBOX_EGRESS_MAX_RULES");
    config.max_rules = policy::parse_max_rules(text);
    if (!text.empty() && !policy::parse_rule_limit(text)) {
        env.record(make_config_fallback("OPENSANDBOX_EGRESS_MAX_RULES", text,
                                        "not a rule count (0 for no limit)",
                                        "using " + std::to_string(policy::default_max_rules)));
    }
}

// The pairs the log fields and the OTLP resource leave out (see common::parse_otlp_attributes).
void check_extra_attributes(ConfigReader& env) {
    const std::string variable = "OPENSANDBOX_EGRESS_METRICS_EXTRA_ATTRS";
    const std::string value = env.text(variable);
    for (const auto& pair : common::split_list(value)) {
        const size_t equals = pair.find('=');
        if (equals == std::string::npos || common::trim(std::string_view(pair).substr(0, equals)).empty()) {
            env.record(make_config_fallback(variable, value, "\"" + pair + "\" is not key=value",
                                            "the pair is ignored"));
        }
    }
}

// Upstream's credential proxy runs in any mode; this one needs the nft nat chain of dns+nft.
void check_credential_proxy_mode(const EgressConfig& config, ConfigReader& env) {
    if (!config.credential_proxy.enabled || config.mode == EnforcementMode::dns_nft) {
        return;
    }
    ConfigFallback fallback = make_config_fallback(
        "OPENSANDBOX_EGRESS_MITMPROXY_TRANSPARENT", env.text("OPENSANDBOX_EGRESS_MITMPROXY_TRANSPARENT"),
        "the credential proxy needs OPENSANDBOX_EGRESS_MODE=dns+nft", "the credential proxy is disabled");
    fallback.warning = "credential proxy disabled: it needs OPENSANDBOX_EGRESS_MODE=dns+nft";
    env.record(std::move(fallback));
}

void load_redirect_settings(EgressConfig& config) {
    const std::string text = common::env_or("OPENSANDBOX_EGRESS_REDIRECT", "");
    const auto backend = nft::parse_redirect_backend(text);
    if (!backend) {
        throw std::invalid_argument("OPENSANDBOX_EGRESS_REDIRECT: \"" + text +
                                    "\" is not one of auto, nft, iptables");
    }
    config.redirect_backend = *backend;
    config.iptables_command = common::env_trimmed("OPENSANDBOX_EGRESS_IPTABLES");
    config.ip6tables_command = common::env_trimmed("OPENSANDBOX_EGRESS_IP6TABLES");
}

void load_nft_settings(EgressConfig& config, ConfigReader& env) {
    load_redirect_settings(config);
    config.cleanup_on_exit = env.flag("OPENSANDBOX_EGRESS_CLEANUP_ON_EXIT");
    config.require_own_cgroup = env.flag("OPENSANDBOX_EGRESS_REQUIRE_OWN_CGROUP");
    config.block_doh_443 = env.flag("OPENSANDBOX_EGRESS_BLOCK_DOH_443");
    load_doh_blocklist(config, env);
    config.ttl_grace =
        std::chrono::seconds(env.integer("OPENSANDBOX_EGRESS_NFT_TTL_GRACE_SEC", 60, 0, 86400));
    config.ttl_min = std::chrono::seconds(env.integer("OPENSANDBOX_EGRESS_NFT_TTL_MIN_SEC", 60, 1, 86400));
    config.ttl_max = std::chrono::seconds(env.integer("OPENSANDBOX_EGRESS_NFT_TTL_MAX_SEC", 360, 1, 86400));
    config.use_tail =
        std::chrono::seconds(env.integer("OPENSANDBOX_EGRESS_NFT_USE_TAIL_SEC", 900, 0, 7 * 86400));
    config.max_addresses_per_name =
        static_cast<size_t>(env.integer("OPENSANDBOX_EGRESS_NFT_MAX_ADDRESSES_PER_NAME", 256, 1, 65536));
    config.max_learned_addresses =
        static_cast<size_t>(env.integer("OPENSANDBOX_EGRESS_NFT_MAX_LEARNED_ADDRESSES", 60000, 1, 65536));
    config.revalidations_per_second =
        static_cast<size_t>(env.integer("OPENSANDBOX_EGRESS_NFT_REVALIDATE_PER_SEC", 10, 0, 1000));
    config.revalidation_interval =
        std::chrono::seconds(env.integer("OPENSANDBOX_EGRESS_NFT_REVALIDATE_NAME_SEC", 60, 1, 86400));
    if (config.ttl_min > config.ttl_max) {
        throw std::invalid_argument("OPENSANDBOX_EGRESS_NFT_TTL_MIN_SEC (" +
                                    std::to_string(config.ttl_min.count()) +
                                    ") is larger than OPENSANDBOX_EGRESS_NFT_TTL_MAX_SEC (" +
                                    std::to_string(config.ttl_max.count()) + ")");
    }
}

void load_api_settings(EgressConfig& config, ConfigReader& env) {
    std::tie(config.http_host, config.http_port) =
        parse_http_address(common::trim(common::env_or("OPENSANDBOX_EGRESS_HTTP_ADDR", ":18080")));
    config.api_token = common::env_raw("OPENSANDBOX_EGRESS_TOKEN").value_or("");
    config.http_max_connections =
        static_cast<size_t>(env.integer("OPENSANDBOX_EGRESS_HTTP_MAX_CONNECTIONS", 128, 4, 4096));
    config.health_port =
        static_cast<uint16_t>(env.integer("OPENSANDBOX_EGRESS_HEALTH_PORT", 18081, 0, 65535));
    if (config.health_port != 0 && config.health_port == config.http_port) {
        throw std::invalid_argument("OPENSANDBOX_EGRESS_HEALTH_PORT (" + std::to_string(config.health_port) +
                                    ") is the policy API's port; choose another, or 0 for none");
    }
}

void load_webhook_settings(EgressConfig& config, ConfigReader& env) {
    const std::string url(common::trim(common::env_or("OPENSANDBOX_EGRESS_DENY_WEBHOOK", "")));
    if (!url.empty()) {
        try {
            config.deny_webhook = api::parse_webhook_url(url);
        } catch (const std::invalid_argument& error) {
            throw std::invalid_argument(std::string("OPENSANDBOX_EGRESS_DENY_WEBHOOK: ") + error.what());
        }
    }
    config.sandbox_id = common::env_or("OPENSANDBOX_EGRESS_SANDBOX_ID", "");
    config.webhook_secret = common::env_raw("OPENSANDBOX_EGRESS_DENY_WEBHOOK_SECRET").value_or("");
    config.webhook_coalesce_window =
        std::chrono::seconds(env.integer("OPENSANDBOX_EGRESS_DENY_WEBHOOK_WINDOW_SEC", 10, 0, 3600));
}

// Read first: a typo here must not quietly turn strict mode off.
bool read_strict_mode() {
    const std::string value = common::env_raw("OPENSANDBOX_EGRESS_STRICT").value_or("");
    const std::optional<bool> strict = parse_flag(value);
    if (!strict) {
        throw std::invalid_argument("OPENSANDBOX_EGRESS_STRICT: \"" + value +
                                    "\" is not a boolean (1, true, yes, y, on or 0, false, no, n, off)");
    }
    return *strict;
}

}  // namespace

std::pair<std::string, uint16_t> parse_http_address(std::string_view text) {
    const size_t colon = text.rfind(':');
    auto reject = [&] {
        throw std::invalid_argument("OPENSANDBOX_EGRESS_HTTP_ADDR: \"" + std::string(text) +
                                    "\" is not [host]:port (e.g. :18080 or 127.0.0.1:18080)");
    };
    if (colon == std::string_view::npos) {
        reject();
    }
    std::string host(text.substr(0, colon));
    if (host.starts_with('[') && host.ends_with(']')) {
        host = host.substr(1, host.size() - 2);
    }
    const std::string_view port_text = text.substr(colon + 1);
    unsigned port = 0;
    const auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || error != std::errc() || end != port_text.data() + port_text.size() ||
        port > 65535) {
        reject();
    }
    return {host, static_cast<uint16_t>(port)};
}

std::string_view to_string(EnforcementMode mode) {
    return mode == EnforcementMode::dns ? "dns" : "dns+nft";
}

std::optional<EnforcementMode> parse_mode(std::string_view text) {
    bool dns = false;
    bool nft = false;
    for (const auto& token : common::split_list(text, '+')) {
        if (common::equals_ignoring_case(token, "dns")) {
            dns = true;
        } else if (common::equals_ignoring_case(token, "nft")) {
            nft = true;
        } else {
            return std::nullopt;
        }
    }
    if (common::trim(text).empty()) {
        return EnforcementMode::dns;
    }
    if (!dns) {
        return std::nullopt;
    }
    return nft ? EnforcementMode::dns_nft : EnforcementMode::dns;
}

common::LogRotation log_rotation(ConfigReader& reader) {
    common::LogRotation rotation;
    rotation.max_bytes = static_cast<std::size_t>(reader.integer("OPENSANDBOX_EGRESS_LOG_MAX_BYTES",
                                                                 static_cast<int64_t>(rotation.max_bytes), 0,
                                                                 std::numeric_limits<int64_t>::max()));
    rotation.files = static_cast<std::size_t>(reader.integer(
        "OPENSANDBOX_EGRESS_LOG_FILES", static_cast<int64_t>(rotation.files), 0, kMaxLogFiles));
    return rotation;
}

EgressConfig load_config_from_environment(const std::filesystem::path& resolv_conf_path) {
    EgressConfig config;
    config.strict = read_strict_mode();
    ConfigReader env;
    load_mode(config, env);
    load_log_level(config, env);
    config.log_output = env.text("OPENSANDBOX_LOG_OUTPUT", "stdout");
    config.log_rotation = log_rotation(env);
    load_banner(config, env);
    config.rules_json = env.raw("OPENSANDBOX_EGRESS_RULES").value_or("");
    config.policy_file = env.text("OPENSANDBOX_EGRESS_POLICY_FILE");
    load_max_rules(config, env);
    config.always_rules_dir = env.text("OPENSANDBOX_EGRESS_ALWAYS_RULES_DIR", "/var/egress/rules");
    config.dns_listen = parse_listen_list(common::env_or("OPENSANDBOX_EGRESS_DNS_LISTEN", ""));
    load_upstreams(config, resolv_conf_path);
    load_nameserver_exempt(config, env);
    config.dns_upstream_timeout = std::chrono::seconds(
        env.integer("OPENSANDBOX_EGRESS_DNS_UPSTREAM_TIMEOUT", 5, 1, kMaxUpstreamTimeoutSeconds));
    config.dns_probe_interval =
        std::chrono::seconds(env.integer("OPENSANDBOX_EGRESS_DNS_UPSTREAM_PROBE_INTERVAL_SEC", 30, 1, 3600));
    config.dns_probe_name = parse_probe_name(common::env_or("OPENSANDBOX_EGRESS_DNS_UPSTREAM_PROBE", ""));
    config.event_lines_per_second =
        static_cast<size_t>(env.integer("OPENSANDBOX_EGRESS_EVENT_LOG_RATE", 100, 0, 100000));
    config.socket_mark =
        parse_mark(std::string(common::trim(common::env_or("OPENSANDBOX_EGRESS_SOCKET_MARK", ""))));
    load_nft_settings(config, env);
    load_api_settings(config, env);
    load_webhook_settings(config, env);
    check_extra_attributes(env);
    config.credential_proxy = load_credential_proxy_config(env);
    check_credential_proxy_mode(config, env);
    for (const uint16_t taken : {config.http_port, config.health_port, config.dns_listen.front().port()}) {
        if (config.credential_proxy.enabled && config.credential_proxy.port == taken) {
            throw std::invalid_argument("OPENSANDBOX_EGRESS_MITMPROXY_PORT (" +
                                        std::to_string(config.credential_proxy.port) +
                                        ") is already used by another listener of egress; choose another");
        }
    }
    if (config.credential_proxy.enabled && config.socket_mark == kInterceptMark) {
        throw std::invalid_argument(
            "OPENSANDBOX_EGRESS_SOCKET_MARK 0x2 is the credential proxy's mark; choose another");
    }
    config.fallbacks = env.take_fallbacks();
    return config;
}

}  // namespace egress::sidecar
