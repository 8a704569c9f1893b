#include "sidecar/settings_catalogue.hpp"

#include <algorithm>
#include <array>

namespace egress::sidecar {
namespace {

constexpr std::string_view kGeneral = "General";
constexpr std::string_view kPolicy = "Policy";
constexpr std::string_view kDns = "DNS proxy";
constexpr std::string_view kNftables = "nftables and the DNS redirect";
constexpr std::string_view kApi = "Policy API and health probes";
constexpr std::string_view kWebhook = "Deny webhook";
constexpr std::string_view kLogging = "Logging and identity";
constexpr std::string_view kTelemetry = "Telemetry (OTLP metrics)";
constexpr std::string_view kCredentialProxy = "Credential proxy (docs/credential-vault.md)";

constexpr std::array kSettings{
    Setting{"OPENSANDBOX_EGRESS_STRICT", "false",
            "refuse to start (exit status 2) instead of falling back from any unusable value", kGeneral},
    Setting{"OPENSANDBOX_EGRESS_MODE", "dns", "dns, or dns+nft (also nft+dns) for the default-deny IP layer",
            kGeneral},
    Setting{"OPENSANDBOX_EGRESS_BANNER", "true",
            "print the start-up banner (version, commit, build time) on stderr", kGeneral},
    Setting{"OPENSANDBOX_EGRESS_RULES", "deny-all", "the initial policy, as the JSON body of POST /policy",
            kPolicy},
    Setting{"OPENSANDBOX_EGRESS_POLICY_FILE", "none",
            "policy saved after every change; a valid file wins over OPENSANDBOX_EGRESS_RULES at start",
            kPolicy},
    Setting{"OPENSANDBOX_EGRESS_MAX_RULES", "4096", "rule-count limit (0: unlimited)", kPolicy},
    Setting{"OPENSANDBOX_EGRESS_ALWAYS_RULES_DIR", "/var/egress/rules",
            "directory of deny.always and allow.always (re-read every 5 s) and log_skip.always", kPolicy},
    Setting{"OPENSANDBOX_EGRESS_DNS_UPSTREAM", "resolv.conf",
            "comma-separated upstream IPs with optional ports; host names are refused", kDns},
    Setting{"OPENSANDBOX_EGRESS_DNS_UPSTREAM_TIMEOUT", "5", "seconds per upstream (1-120)", kDns},
    Setting{"OPENSANDBOX_EGRESS_DNS_UPSTREAM_PROBE_INTERVAL_SEC", "30",
            "seconds between upstream health probes (1-3600)", kDns},
    Setting{"OPENSANDBOX_EGRESS_DNS_UPSTREAM_PROBE", "empty (. IN NS)",
            "the probes' question: a name asked as <name>. IN A", kDns},
    Setting{"OPENSANDBOX_EGRESS_NAMESERVER_EXEMPT", "none",
            "comma-separated resolver IPs queried without the mark and reachable on port 53 directly", kDns},
    Setting{"OPENSANDBOX_EGRESS_DNS_LISTEN", "127.0.0.1:15353,[::1]:15353",
            "proxy listen addresses; the redirect targets the first one's port", kDns},
    Setting{"OPENSANDBOX_EGRESS_SOCKET_MARK", "0x1",
            "the bypass mark on egress's own sockets (upstream queries, webhook, OTLP export)", kDns},
    Setting{"OPENSANDBOX_EGRESS_REQUIRE_OWN_CGROUP", "false",
            "refuse to start unless egress runs in a cgroup of its own", kNftables},
    Setting{"OPENSANDBOX_EGRESS_BLOCK_DOH_443", "false",
            "drop TCP 443 to OPENSANDBOX_EGRESS_DOH_BLOCKLIST (all TCP 443 when the list is empty)",
            kNftables},
    Setting{"OPENSANDBOX_EGRESS_DOH_BLOCKLIST", "none",
            "comma-separated IPs/CIDRs for OPENSANDBOX_EGRESS_BLOCK_DOH_443", kNftables},
    Setting{"OPENSANDBOX_EGRESS_NFT_TTL_GRACE_SEC", "60",
            "seconds added to an answer's TTL before a learned address expires (0-86400)", kNftables},
    Setting{"OPENSANDBOX_EGRESS_NFT_TTL_MIN_SEC", "60", "shortest life of a learned address (1-86400)",
            kNftables},
    Setting{"OPENSANDBOX_EGRESS_NFT_TTL_MAX_SEC", "360", "longest life of a learned address (1-86400)",
            kNftables},
    Setting{"OPENSANDBOX_EGRESS_NFT_USE_TAIL_SEC", "900",
            "a learned address in use stays this long after its last packet (0-604800)", kNftables},
    Setting{"OPENSANDBOX_EGRESS_NFT_REVALIDATE_PER_SEC", "10",
            "stale names in use asked again in the background, per second (0-1000; 0: never)", kNftables},
    Setting{"OPENSANDBOX_EGRESS_NFT_REVALIDATE_NAME_SEC", "60",
            "each name asked again at most once in this many seconds (1-86400)", kNftables},
    Setting{"OPENSANDBOX_EGRESS_NFT_MAX_ADDRESSES_PER_NAME", "256",
            "learned addresses kept per name (1-65536)", kNftables},
    Setting{"OPENSANDBOX_EGRESS_NFT_MAX_LEARNED_ADDRESSES", "60000",
            "learned addresses kept in all (1-65536)", kNftables},
    Setting{"OPENSANDBOX_EGRESS_CLEANUP_ON_EXIT", "false",
            "delete the table (and iptables redirect rules) on SIGTERM, leaving the sandbox unfiltered",
            kNftables},
    Setting{"OPENSANDBOX_EGRESS_REDIRECT", "auto",
            "what redirects DNS to the proxy: auto (nft, iptables if nft nat is refused), nft or iptables",
            kNftables},
    Setting{"OPENSANDBOX_EGRESS_IPTABLES", "iptables-legacy if found, else iptables",
            "the iptables program the redirect runs (a path, or a name looked up in PATH)", kNftables},
    Setting{"OPENSANDBOX_EGRESS_IP6TABLES", "ip6tables-legacy if found, else ip6tables",
            "the ip6tables program the redirect runs (a path, or a name looked up in PATH)", kNftables},
    Setting{"PATH", "empty", "directories searched for the iptables programs", kNftables},
    Setting{"OPENSANDBOX_EGRESS_HTTP_ADDR", ":18080",
            "policy API address ([host]:port; no host: every interface)", kApi},
    Setting{"OPENSANDBOX_EGRESS_TOKEN", "none",
            "when set, the policy API needs header OPENSANDBOX-EGRESS-AUTH: <token>", kApi},
    Setting{"OPENSANDBOX_EGRESS_HTTP_MAX_CONNECTIONS", "128", "open policy-API connections (4-4096)", kApi},
    Setting{"OPENSANDBOX_EGRESS_HEALTH_PORT", "18081", "port of GET /healthz and GET /readyz (0: none)",
            kApi},
    Setting{"OPENSANDBOX_EGRESS_DENY_WEBHOOK", "none", "http:// or https:// URL notified of denied names",
            kWebhook},
    Setting{"OPENSANDBOX_EGRESS_DENY_WEBHOOK_SECRET", "none",
            "HMAC-SHA256 key signing each body (header X-OpenSandbox-Signature)", kWebhook},
    Setting{"OPENSANDBOX_EGRESS_DENY_WEBHOOK_WINDOW_SEC", "10",
            "coalescing window per hostname in seconds (0-3600; 0: one notification per denial)", kWebhook},
    Setting{"OPENSANDBOX_EGRESS_LOG_LEVEL", "info", "debug, info, warn, error or fatal", kLogging},
    Setting{"OPENSANDBOX_EGRESS_EVENT_LOG_RATE", "100",
            "per-query event lines written per second, per kind (0-100000; 0: none)", kLogging},
    Setting{"OPENSANDBOX_LOG_OUTPUT", "stdout", "comma-separated stdout, stderr or file paths (JSON lines)",
            kLogging},
    Setting{"OPENSANDBOX_EGRESS_LOG_MAX_BYTES", "67108864",
            "a log file is rotated before it would grow past this size (0: never)", kLogging},
    Setting{"OPENSANDBOX_EGRESS_LOG_FILES", "3", "rotated log files kept besides the current one (0-1000)",
            kLogging},
    Setting{"OPENSANDBOX_EGRESS_SANDBOX_ID", "empty",
            "sandbox_id of every log line, the webhook payload and the OTLP resource", kLogging},
    Setting{"OPENSANDBOX_EGRESS_METRICS_EXTRA_ATTRS", "none",
            "k=v,k2=v2: fields of every log line and OTLP resource attributes", kLogging},
    Setting{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "none", "OTLP/HTTP metrics URL, used as given",
            kTelemetry},
    Setting{"OTEL_EXPORTER_OTLP_ENDPOINT", "none", "OTLP/HTTP base URL; /v1/metrics is appended", kTelemetry},
    Setting{"HOST_IP", "first address in /etc/hostinfo",
            "without an endpoint: export to http://<HOST_IP>:4318/v1/metrics", kTelemetry},
    Setting{"OTEL_SERVICE_NAME", "opensandbox-egress-<version>", "the resource's service.name", kTelemetry},
    Setting{"OTEL_METRIC_EXPORT_INTERVAL", "15000", "milliseconds between exports", kTelemetry},
    Setting{"OTEL_METRIC_EXPORT_TIMEOUT", "5000", "milliseconds allowed per export request", kTelemetry},
    Setting{"OPENSANDBOX_OTLP_MAX_PENDING", "4", "payloads kept while the collector is unreachable",
            kTelemetry},
    Setting{"OPENSANDBOX_EGRESS_MITMPROXY_TRANSPARENT", "false",
            "start the credential proxy (needs dns+nft mode); vault writes need it", kCredentialProxy},
    Setting{"OPENSANDBOX_EGRESS_MITMPROXY_PORT", "18082", "the proxy's port on 127.0.0.1 and [::1]",
            kCredentialProxy},
    Setting{"OPENSANDBOX_EGRESS_MITMPROXY_UPSTREAM_TRUST_DIR", "none",
            "more trusted roots (*.pem, *.crt) for verifying servers", kCredentialProxy},
    Setting{"OPENSANDBOX_EGRESS_MITMPROXY_SSL_INSECURE", "false",
            "do not verify servers; vault writes are then refused", kCredentialProxy},
    Setting{"OPENSANDBOX_EGRESS_CREDENTIAL_PROXY_STATE_DIR", "/var/lib/opensandbox-egress/credential-proxy",
            "where the CA's key and certificate are kept", kCredentialProxy},
    Setting{"OPENSANDBOX_EGRESS_CREDENTIAL_PROXY_CA_FILE", "/opt/opensandbox/mitmproxy-ca-cert.pem",
            "where the CA certificate is published for the workload", kCredentialProxy},
    Setting{"OPENSANDBOX_EGRESS_CREDENTIAL_VAULT_REQUIRE_TLS", "false",
            "vault writes need loopback or X-Forwarded-Proto: https from a trusted proxy", kCredentialProxy},
    Setting{"OPENSANDBOX_EGRESS_CREDENTIAL_VAULT_TRUSTED_PROXY_CIDRS", "empty",
            "comma-separated IPs/CIDRs whose X-Forwarded-Proto is believed", kCredentialProxy},
    Setting{"OPENSANDBOX_EGRESS_CREDENTIAL_VAULT_REQUIRE_SCOPED_MATCH", "false",
            "every binding must list methods and paths", kCredentialProxy},
    Setting{"OPENSANDBOX_EGRESS_MITMPROXY_SCRIPT", "none",
            "upstream's; not supported, ignored with a warning", kCredentialProxy},
    Setting{"OPENSANDBOX_EGRESS_MITMPROXY_EXTRA_PORTS", "none",
            "upstream's; not supported, ignored with a warning", kCredentialProxy},
    Setting{"OPENSANDBOX_EGRESS_EXPERIMENTAL_REVISION_RUNTIME", "none",
            "upstream's; not supported, ignored with a warning", kCredentialProxy},
};

constexpr std::size_t kNameIndent = 2;
constexpr std::size_t kMeaningIndent = 6;
constexpr std::size_t kColumnGap = 2;

// Appends `text` word by word, each line starting with `indent` spaces and none longer than
// `width` (a single longer word gets a line of its own).
void append_wrapped(std::string& out, std::string_view text, std::size_t indent, std::size_t width) {
    std::size_t column = 0;
    while (!text.empty()) {
        const std::size_t space = text.find(' ');
        const std::string_view word = text.substr(0, space);
        text = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
        if (column > indent && column + 1 + word.size() > width) {
            out += '\n';
            column = 0;
        }
        if (column == 0) {
            out.append(indent, ' ');
            column = indent;
        } else {
            out += ' ';
            ++column;
        }
        out += word;
        column += word.size();
    }
    out += '\n';
}

// The longest variable name of the group starting at `first`.
std::size_t group_name_width(std::span<const Setting> rows, std::size_t first) {
    std::size_t widest = 0;
    for (std::size_t i = first; i < rows.size() && rows[i].group == rows[first].group; ++i) {
        widest = std::max(widest, rows[i].variable.size());
    }
    return widest;
}

// The name, then its default in the group's column, or on a line of its own when it would not fit.
void append_setting(std::string& out, const Setting& setting, std::size_t name_width, std::size_t width) {
    const std::string default_text = "default: " + std::string(setting.default_text);
    out.append(kNameIndent, ' ');
    out += setting.variable;
    const std::size_t column = kNameIndent + name_width + kColumnGap;
    if (column + default_text.size() <= width) {
        out.append(column - kNameIndent - setting.variable.size(), ' ');
        out += default_text;
        out += '\n';
    } else {
        out += '\n';
        append_wrapped(out, "(" + default_text + ")", kMeaningIndent, width);
    }
    append_wrapped(out, setting.meaning, kMeaningIndent, width);
}

}  // namespace

std::span<const Setting> settings_catalogue() {
    return kSettings;
}

std::string settings_help(std::size_t width) {
    std::string out =
        "Environment (read at start; unset or empty: the default; details in docs/egress.md):\n";
    const std::span<const Setting> rows = settings_catalogue();
    std::size_t name_width = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (i == 0 || rows[i].group != rows[i - 1].group) {
            out += "\n";
            out += rows[i].group;
            out += ":\n";
            name_width = group_name_width(rows, i);
        }
        append_setting(out, rows[i], name_width, width);
    }
    return out;
}

}  // namespace egress::sidecar
