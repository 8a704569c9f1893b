#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "api/api_server.hpp"
#include "api/deny_webhook.hpp"
#include "api/health_server.hpp"
#include "api/policy_events.hpp"
#include "api/policy_handlers.hpp"
#include "api/upstream_lookup.hpp"
#include "common/build_info.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "common/signals.hpp"
#include "policy/always_overlay.hpp"
#include "policy/always_overlay_watcher.hpp"
#include "policy/policy_engine.hpp"
#include "policy/policy_error.hpp"
#include "policy/policy_file.hpp"
#include "sidecar/address_audit.hpp"
#include "sidecar/config.hpp"
#include "sidecar/config_fallback.hpp"
#include "sidecar/credential_proxy.hpp"
#include "sidecar/dns_service.hpp"
#include "sidecar/enforcement.hpp"
#include "sidecar/eviction_report.hpp"
#include "sidecar/health_state.hpp"
#include "sidecar/learned_lookup.hpp"
#include "sidecar/listener_keeper.hpp"
#include "sidecar/logging_setup.hpp"
#include "sidecar/policy_check.hpp"
#include "sidecar/settings_catalogue.hpp"
#include "sidecar/telemetry.hpp"

namespace {

using namespace egress;

void warn(std::string_view message) {
    spdlog::warn("{}", message);
}

// Warns about each setting that fell back, or (strict mode) refuses the start.
void handle_configuration_warnings(const sidecar::EgressConfig& config) {
    sidecar::handle_fallbacks(config.fallbacks, config.strict);
    if (!config.nameserver_exempt.empty()) {
        spdlog::warn("nameserver exempt list in use: queries to those resolvers are sent without SO_MARK");
    }
}

// An unusable policy file falls back (or refuses the start) like any other setting.
policy::FileFallbackSink policy_file_fallbacks(const sidecar::EgressConfig& config) {
    return [&config](std::string_view problem) {
        const sidecar::ConfigFallback fallback = sidecar::policy_file_fallback(config.policy_file, problem);
        sidecar::handle_fallbacks({&fallback, 1}, config.strict);
    };
}

std::unique_ptr<api::DenyWebhook> make_deny_webhook(const sidecar::EgressConfig& config,
                                                    common::MetricsRegistry& metrics) {
    if (!config.deny_webhook) {
        return nullptr;
    }
    api::DenyWebhookSettings settings;
    settings.url = *config.deny_webhook;
    settings.sandbox_id = config.sandbox_id;
    settings.secret = config.webhook_secret;
    settings.coalesce_window = config.webhook_coalesce_window;
    settings.socket_mark = config.socket_mark;
    api::UpstreamLookupSettings lookup{config.dns_upstreams, config.socket_mark, config.dns_upstream_timeout};
    auto resolver = [lookup](const std::string& host) { return api::lookup_addresses(host, lookup); };
    spdlog::info("denied hostname webhook enabled ({}{})", settings.url.origin(), settings.url.path);
    return std::make_unique<api::DenyWebhook>(std::move(settings), std::move(resolver), metrics);
}

api::ApiServerSettings api_settings(const sidecar::EgressConfig& config) {
    api::ApiServerSettings settings;
    settings.host = config.http_host;
    settings.port = config.http_port;
    settings.token = config.api_token;
    settings.limits.max_connections = config.http_max_connections;
    return settings;
}

std::unique_ptr<api::HealthServer> start_health_server(const sidecar::EgressConfig& config,
                                                       const sidecar::HealthState& health) {
    if (config.health_port == 0) {
        return nullptr;
    }
    auto server = std::make_unique<api::HealthServer>(
        config.health_port, [&health] { return health.liveness(); },
        [&health] { return health.readiness(); });
    server->start();
    spdlog::info("health probes listening on :{} (GET /healthz, GET /readyz)", server->port());
    return server;
}

void warn_if_unauthenticated(const sidecar::EgressConfig& config) {
    if (config.api_token.empty()) {
        spdlog::warn(
            "OPENSANDBOX_EGRESS_TOKEN is not set: the policy API accepts unauthenticated changes, and the "
            "sandboxed workload shares this network namespace and can reach it. Set a token.");
    }
}

// The always-rules reload: a change the credential vault refuses stays pending, retried on every
// tick (the vault may change), and is logged once per distinct refusal.
class OverlayReload {
  public:
    OverlayReload(policy::AlwaysOverlayLoader& overlay, policy::PolicyEngine& engine, std::string directory)
        : overlay_(overlay), engine_(engine), directory_(std::move(directory)) {}

    void operator()() {
        pending_ = overlay_.refresh() || pending_;
        if (!pending_) {
            return;
        }
        try {
            engine_.set_overlay(overlay_.rules());
            pending_ = false;
            refusal_.clear();
            spdlog::info("reloaded always rules from {}", directory_);
        } catch (const policy::GuardRefusal& error) {
            if (refusal_ != error.what()) {
                refusal_ = error.what();
                spdlog::warn("always rules from {} not applied: {}", directory_, refusal_);
            }
        }
    }

  private:
    policy::AlwaysOverlayLoader& overlay_;
    policy::PolicyEngine& engine_;
    std::string directory_;
    bool pending_ = false;
    std::string refusal_;
};

// Starts the DNS proxy on the listeners a keeper held over from the previous egress, if any (the
// queries that waited in them are answered now), or on new ones it hands to a new keeper. Only
// with a cgroup of egress's own, which tells the keeper and egress apart from the workload.
// Returns the keeper's pid (0: none).
pid_t start_dns(sidecar::DnsService& dns, bool own_cgroup) {
    if (!own_cgroup) {
        dns.start();
        return 0;
    }
    sidecar::KeptListeners kept = sidecar::adopt_kept_listeners();
    const size_t offered = kept.sockets.size();
    dns.adopt_listeners_with(
        [&kept](const common::IpEndpoint& endpoint, int type) { return kept.take(endpoint, type); });
    dns.start();
    dns.adopt_listeners_with(nullptr);
    if (kept.keeper != 0) {
        const size_t taken =
            offered - static_cast<size_t>(std::count_if(kept.sockets.begin(), kept.sockets.end(),
                                                        [](const auto& socket) { return bool(socket); }));
        spdlog::info("took over {} of the {} DNS listener(s) the keeper (pid {}) held", taken, offered,
                     kept.keeper);
        return kept.keeper;
    }
    const pid_t keeper = sidecar::start_listener_keeper(dns.listener_fds());
    if (keeper != 0) {
        spdlog::info("DNS listeners kept across restarts by pid {}", keeper);
    }
    return keeper;
}

int run_sidecar(common::BlockedSignals& signals) {
    const sidecar::EgressConfig config = sidecar::load_config_from_environment();
    if (config.banner) {  // on stderr: stdout carries nothing but the JSON log lines
        std::cerr << common::version_banner("OpenSandbox Egress") << std::flush;
    }
    sidecar::init_egress_logging(config);
    handle_configuration_warnings(config);
    spdlog::info("enforcement mode: {}", sidecar::to_string(config.mode));

    auto initial =
        policy::load_initial_policy(config.policy_file, config.rules_json, policy_file_fallbacks(config));
    policy::AlwaysOverlayLoader overlay(config.always_rules_dir, warn);
    overlay.load();
    common::MetricsRegistry metrics;
    sidecar::HealthState health;
    auto health_server = start_health_server(config, health);
    sidecar::Enforcement enforcement(config, metrics);
    policy::PolicyEngine engine({config.max_rules, config.policy_file}, initial.policy, overlay.rules(),
                                [&](const auto& snapshot) { enforcement.apply(snapshot); });
    spdlog::info("initial policy mode: {}", policy::to_string(engine.current()->mode()));
    api::log_policy_loaded(engine.current()->user_policy());
    sidecar::CredentialProxy credential_proxy(config);
    credential_proxy.guard(engine);
    sidecar::DnsService dns(config, engine.snapshots(), metrics);
    policy::DenialTally denied_destinations;
    sidecar::AddressAudit address_audit(denied_destinations, config.event_lines_per_second,
                                        dns.log_events_suppressed());
    enforcement.record_audits_with(
        [&](const nft::AuditedConnection& connection) { address_audit.record(connection); });
    // Enforcement first: from here on no DNS leaves the sandbox except through the proxy.
    const auto redirect = enforcement.install(engine.current());
    health.enforcement_installed();
    spdlog::info("nftables table inet opensandbox installed (DNS redirect to port {} by {}{})",
                 config.dns_listen.front().port(),
                 redirect == nft::RedirectBackend::iptables ? "iptables" : "the nft nat chain",
                 config.mode == sidecar::EnforcementMode::dns_nft ? ", default-deny filter chain" : "");

    credential_proxy.start(enforcement, metrics);

    auto webhook = make_deny_webhook(config, metrics);
    policy::DenialTally denied_names;
    dns.set_denied_names(&denied_names);
    sidecar::EvictionReport evictions(metrics, config.event_lines_per_second, dns.log_events_suppressed());
    enforcement.report_evictions_to(
        [&evictions](const nft::Eviction& eviction) { evictions.record(eviction); });
    dns.set_resolved_hook_factory(
        [&](common::EventLoop& loop) { return enforcement.make_resolved_hook(loop); });
    if (webhook) {
        dns.set_denied_listener([&webhook](std::string_view name) { webhook->notify(name); });
    }
    const pid_t listener_keeper = start_dns(dns, enforcement.has_own_cgroup());
    health.dns_serving(&dns);
    for (const auto& endpoint : config.dns_listen) {
        spdlog::info("dns proxy started on {}", endpoint.to_string());
    }

    policy::AlwaysOverlayWatcher overlay_watcher(
        config.always_rules_reload, OverlayReload(overlay, engine, config.always_rules_dir.string()), warn);

    api::PolicyHandlers policy_handlers(engine, std::string(sidecar::to_string(config.mode)), metrics);
    api::VaultHandlers vault_handlers(credential_proxy.vault(), engine, credential_proxy.access());
    api::PolicyInsightHandlers insight_handlers(engine, {denied_names, denied_destinations},
                                                sidecar::learned_lookup_of(enforcement.provenance()),
                                                metrics);
    api::ApiServer api_server(api_settings(config), policy_handlers, insight_handlers, vault_handlers,
                              metrics);
    warn_if_unauthenticated(config);
    api_server.start();
    spdlog::info("policy server listening on {}:{} (POST /policy)", config.http_host, api_server.port());
    auto telemetry = sidecar::start_telemetry(config, metrics);

    signals.wait();
    spdlog::info("received shutdown signal; exiting");
    dns.drain(std::chrono::seconds(2));
    if (telemetry) {
        telemetry->stop();
    }
    api_server.stop();
    credential_proxy.stop();
    if (health_server) {
        health_server->stop();
    }
    health.dns_serving(nullptr);
    overlay_watcher.stop();
    dns.stop();
    if (webhook) {
        webhook->stop();
    }
    enforcement.remove_if_configured();
    if (config.cleanup_on_exit && listener_keeper != 0) {
        ::kill(listener_keeper, SIGTERM);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"OpenSandbox egress sidecar: DNS policy proxy and nftables enforcement"};
    bool show_version = false;
    app.add_flag("--version", show_version, "Print version, git commit and build time, then exit");
    std::string policy_to_check;
    app.add_option("--check-policy", policy_to_check,
                   "Validate a policy file (- for standard input) as the running egress would, then exit: "
                   "0 valid, 1 invalid, 2 unreadable")
        ->type_name("FILE");
    int kept_listeners = 0;
    app.add_option("--keep-dns-listeners", kept_listeners)->group("");  // egress starts its own keeper
    app.footer(sidecar::settings_help());
    CLI11_PARSE(app, argc, argv);
    if (kept_listeners > 0) {
        return sidecar::run_listener_keeper(kept_listeners);
    }
    if (app.count("--check-policy") > 0) {
        return sidecar::check_policy(policy_to_check, std::cin, std::cout, std::cerr);
    }

    if (show_version) {
        std::cout << common::version_banner("OpenSandbox Egress") << std::flush;
        return 0;
    }
    // Before any thread starts, so every thread inherits the blocked mask.
    auto signals = common::BlockedSignals::for_shutdown();
    try {
        return run_sidecar(signals);
    } catch (const sidecar::StrictModeRefusal& refusal) {
        spdlog::critical("egress refused to start in strict mode: {}", refusal.what());
        return sidecar::kRefusedByStrictMode;
    } catch (const std::exception& error) {
        spdlog::critical("egress failed to start: {}", error.what());
        return 1;
    }
}
