#include "sidecar/enforcement.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "nft/dynamic_allow_writer.hpp"
#include "nft/iptables_commands.hpp"
#include "nft/nft_error.hpp"
#include "nft/policy_adapter.hpp"
#include "nft/redirect_selection.hpp"
#include "sidecar/own_cgroup.hpp"

namespace egress::sidecar {
namespace {

// The NFLOG group of the would-deny records, in the sandbox's network namespace (groups are per
// namespace; nothing else there binds one).
constexpr uint16_t kAuditLogGroup = 20307;

// When egress's own traffic can only be told apart by a forgeable mark: a refusal to start if the
// operator required a cgroup of egress's own (OPENSANDBOX_EGRESS_REQUIRE_OWN_CGROUP), else a warning.
void refuse_or_warn(const std::string& message, bool require_own_cgroup) {
    if (require_own_cgroup) {
        throw std::runtime_error(message +
                                 " OPENSANDBOX_EGRESS_REQUIRE_OWN_CGROUP is set: refusing to start.");
    }
    spdlog::warn("{}", message);
}

// The cgroup egress's own traffic is recognised by, or none (with a loud warning, or a refusal
// to start when the operator asked for it).
std::optional<nft::OwnCgroup> own_cgroup(const EgressConfig& config) {
    const OwnCgroupFinding found = find_own_cgroup();
    if (found.cgroup) {
        spdlog::info("egress's own traffic is recognised by its cgroup {} (id {})", found.path,
                     found.cgroup->id);
        if (const std::string others = other_processes_in(found.path); !others.empty()) {
            spdlog::warn(
                "other processes share egress's cgroup {} and so its exemption from the DNS redirect "
                "and the filter: {}. Run egress in a container of its own.",
                found.path, others);
        }
        return found.cgroup;
    }
    const std::string message = "egress's own traffic can only be recognised by its socket mark (" +
                                found.reason +
                                "): a workload with CAP_NET_RAW (in Docker's default capabilities) can set "
                                "that mark and bypass the DNS redirect and the filter. Run egress in a "
                                "container (cgroup) of its own, or drop NET_RAW from the workload.";
    refuse_or_warn(message, config.require_own_cgroup);
    return std::nullopt;
}

nft::RulesetOptions ruleset_options(const EgressConfig& config) {
    nft::RulesetOptions options;
    options.own_cgroup = own_cgroup(config);
    options.http_ports = {config.http_port};
    if (config.health_port != 0 && config.health_port != config.http_port) {
        options.http_ports.push_back(config.health_port);
    }
    options.mode = config.mode == EnforcementMode::dns_nft ? nft::EnforcementMode::dns_and_nft
                                                           : nft::EnforcementMode::dns;
    options.proxy_port = config.dns_listen.front().port();
    if (config.credential_proxy.enabled && config.mode == EnforcementMode::dns_nft) {
        options.intercept = nft::InterceptRedirect{config.credential_proxy.port, {80, 443}, kInterceptMark};
        options.http_ports.push_back(config.credential_proxy.port);
    }
    options.bypass_mark = config.socket_mark;
    options.dynamic_set_timeout = config.ttl_max;
    options.seen_window =
        std::max(std::chrono::seconds(1),
                 std::chrono::duration_cast<std::chrono::seconds>(3 * use_renewal_interval(config)));
    return options;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Times each answer's write to the dynamic sets (until the kernel's acknowledgement).
class TimedResolvedHook final : public dns::ResolvedAddressHook {
  public:
    TimedResolvedHook(std::unique_ptr<dns::ResolvedAddressHook> inner, common::Histogram& seconds,
                      common::Gauge& learned, common::Counter& updates,
                      std::shared_ptr<nft::AddressProvenance> provenance)
        : inner_(std::move(inner)),
          seconds_(seconds),
          learned_(learned),
          updates_(updates),
          provenance_(std::move(provenance)) {}

    void on_resolved(std::string_view name, const std::vector<dns::ResolvedAddress>& addresses,
                     Release release) override {
        const auto started = std::chrono::steady_clock::now();
        inner_->on_resolved(name, addresses,
                            [this, started, release = std::move(release)](bool still_allowed) {
                                seconds_.observe(seconds_since(started));
                                updates_.inc();
                                learned_.set(static_cast<double>(provenance_->size()));
                                release(still_allowed);
                            });
    }

  private:
    std::unique_ptr<dns::ResolvedAddressHook> inner_;
    common::Histogram& seconds_;
    common::Gauge& learned_;
    common::Counter& updates_;
    std::shared_ptr<nft::AddressProvenance> provenance_;
};

common::Family<common::Counter>& updates_family(common::MetricsRegistry& metrics) {
    return metrics.counter_family("egress_nft_updates_total",
                                  "nftables updates applied: static (policy changes) and dynamic (addresses "
                                  "learned from allowed answers).",
                                  {"kind"});
}

size_t static_element_count(const nft::FilterPolicy& policy) {
    const auto& sets = policy.prefixes;
    return sets.allow_v4.size() + sets.allow_v6.size() + sets.deny_v4.size() + sets.deny_v6.size() +
           sets.ported_allow.size() + sets.ported_deny.size() + sets.audit_v4.size() + sets.audit_v6.size() +
           policy.nameservers.size() + policy.doh.blocklist.size();
}

}  // namespace

Enforcement::Enforcement(const EgressConfig& config, common::MetricsRegistry& metrics)
    : config_(config),
      apply_seconds_(metrics.histogram("egress_nft_apply_seconds",
                                       "Time to apply a policy change to nftables (one transaction).",
                                       common::exponential_buckets(0.0001, 2, 16))),
      apply_failures_(metrics.counter("egress_nft_apply_failures_total",
                                      "Policy changes nftables refused (nothing was changed).")),
      dynamic_write_seconds_(metrics.histogram(
          "egress_nft_dynamic_write_seconds",
          "Time from an allowed answer to the kernel's acknowledgement of its addresses in dyn_allow_v4/v6.",
          common::exponential_buckets(0.00001, 2, 18))),
      learned_addresses_(
          metrics.gauge("egress_nft_learned_addresses",
                        "Addresses learned from allowed answers and not revoked, on every port "
                        "(dyn_allow) or on some (dyn_port_allow, one element per port): an upper bound "
                        "of the addresses those sets hold, since the kernel expires elements on its own.")),
      static_elements_(metrics.gauge(
          "egress_nft_rules",
          "Elements of the static nftables sets (allow/deny prefixes, port-scoped prefixes, exempt "
          "nameservers, DoH blocklist) of the policy in force.")),
      updates_(updates_family(metrics)),
      static_updates_(updates_.with_labels({"static"})),
      dynamic_updates_(updates_.with_labels({"dynamic"})),
      provenance_(std::make_shared<nft::AddressProvenance>(
          nft::LearningLimits{config.max_addresses_per_name, config.max_learned_addresses})),
      learning_gate_(std::make_shared<nft::LearningGate>()),
      enforcer_(ruleset_options(config), provenance_),
      audit_records_lost_(metrics.counter(
          "egress_audit_records_lost_total",
          "Times the kernel dropped would-deny connection records because egress read them too slowly.")),
      connections_cut_(metrics.counter("egress_nft_connections_cut_total",
                                       "Established connections cut because a policy change revoked their "
                                       "learned destination.")),
      upkeep_(config, metrics, provenance_, learning_gate_) {}

void Enforcement::record_audits_with(nft::AuditLogReader::Listener listener) {
    if (config_.mode != EnforcementMode::dns_nft) {
        return;
    }
    try {
        audit_log_ = std::make_unique<nft::AuditLogReader>(kAuditLogGroup, std::move(listener),
                                                           [this] { audit_records_lost_.inc(); });
        enforcer_.log_audits_to(kAuditLogGroup);
    } catch (const nft::NftError& error) {
        spdlog::warn("would-deny connections are counted but not recorded (no NFLOG): {}", error.what());
    }
}

void Enforcement::report_evictions_to(std::function<void(const nft::Eviction&)> listener) {
    eviction_listener_ = std::move(listener);
}

nft::FilterPolicy Enforcement::filter_policy(const policy::PolicySnapshot& snapshot) const {
    return nft::filter_policy_from(snapshot, config_.nameserver_exempt,
                                   nft::DohBlocking{config_.block_doh_443, config_.doh_blocklist});
}

void Enforcement::count_static_update(const nft::FilterPolicy& policy) {
    static_updates_.inc();
    static_elements_.set(static_cast<double>(static_element_count(policy)));
}

nft::RedirectBackend Enforcement::install(const std::shared_ptr<const policy::PolicySnapshot>& snapshot) {
    const auto policy = filter_policy(*snapshot);
    keep_own_cgroup_only_if_the_kernel_can_match_it();
    const auto grants = nft::name_grants_of(snapshot);
    learning_gate_->enforce(grants, [] {});
    size_t carried = 0;
    const nft::RedirectInstallSteps steps{
        [&] { carried = enforcer_.install(policy, grants); },
        [&] {
            enforcer_.disable_nat_redirect();
            carried = enforcer_.install(policy, grants);
        },
        [&] { install_iptables_redirect(); },
    };
    const auto backend = nft::install_with_redirect(
        config_.redirect_backend, steps, [](const std::string& message) { spdlog::warn("{}", message); });
    count_static_update(policy);
    if (carried > 0) {
        spdlog::info("nftables: kept {} learned element(s) of the previous table that the policy still opens",
                     carried);
    }
    if (config_.mode == EnforcementMode::dns_nft) {
        renew_elements_in_use();
    }
    learned_addresses_.set(static_cast<double>(provenance_->size()));
    return backend;
}

void Enforcement::renew_elements_in_use() {
    try {
        timeout_renewal_ = enforcer_.probe_timeout_renewal();
    } catch (const nft::NftError& error) {
        timeout_renewal_ = nft::TimeoutRenewal::delete_and_add;
        spdlog::warn("could not tell how this kernel renews element timeouts ({}); deleting and adding again",
                     error.what());
    }
    spdlog::info(
        "nftables: learned elements are renewed {}",
        timeout_renewal_ == nft::TimeoutRenewal::in_place ? "in place" : "by deleting and adding them");
    upkeep_.start(timeout_renewal_);
}

// `socket cgroupv2` needs Linux 5.13: on an older kernel egress recognises its own traffic by the
// mark alone, and says so, unless the operator required the cgroup.
void Enforcement::keep_own_cgroup_only_if_the_kernel_can_match_it() {
    if (!enforcer_.options().own_cgroup || enforcer_.kernel_matches_socket_cgroup()) {
        return;
    }
    const std::string message =
        "this kernel cannot match a socket's cgroup (nftables `socket cgroupv2` needs Linux 5.13): egress's "
        "own traffic can only be recognised by its socket mark, which a workload with CAP_NET_RAW can forge.";
    refuse_or_warn(message, config_.require_own_cgroup);
    enforcer_.drop_own_cgroup();
}

void Enforcement::install_iptables_redirect() {
    const auto commands = nft::choose_iptables_commands(config_.iptables_command, config_.ip6tables_command,
                                                        nft::default_program_directories());
    nft::IptablesRedirectOptions options;
    options.proxy_port = config_.dns_listen.front().port();
    options.bypass_mark = config_.socket_mark;
    options.exempt_nameservers = config_.nameserver_exempt;
    spdlog::info("installing the DNS redirect with {} and {}", commands.ipv4, commands.ipv6);
    iptables_.emplace(commands, nft::dns_redirect_rules(options), runner_);
    iptables_->install();
}

void Enforcement::apply(const std::shared_ptr<const policy::PolicySnapshot>& snapshot) {
    const auto started = std::chrono::steady_clock::now();
    nft::Revocation revoked;
    const auto policy = filter_policy(*snapshot);
    const auto grants = nft::name_grants_of(snapshot);
    try {
        learning_gate_->enforce(grants, [&] { revoked = enforcer_.apply(policy, grants); });
    } catch (...) {
        apply_failures_.inc();
        throw;
    }
    apply_seconds_.observe(seconds_since(started));
    count_static_update(policy);
    learned_addresses_.set(static_cast<double>(provenance_->size()));
    if (!revoked.empty()) {
        spdlog::info(
            "nftables: revoked {} learned element(s) the new policy no longer opens for any of their "
            "names ({} on every port, {} on one port)",
            revoked.size(), revoked.addresses.size(), revoked.ported.size());
        cut_connections_to(revoked);
    }
}

// The policy is in force already: a failure here leaves established connections running until
// they end, and says so.
void Enforcement::cut_connections_to(const nft::Revocation& revoked) {
    try {
        const size_t cut = enforcer_.cut_connections(revoked);
        connections_cut_.inc(cut);
        if (cut > 0) {
            spdlog::info("nftables: cut {} established connection(s) to revoked addresses", cut);
        }
    } catch (const nft::NftError& error) {
        spdlog::warn("nftables: established connections to revoked addresses keep running: {}", error.what());
    }
}

bool Enforcement::intercepts() const {
    return enforcer_.options().intercept && enforcer_.options().nat_redirect;
}

void Enforcement::remove_if_configured() {
    if (!config_.cleanup_on_exit) {
        return;
    }
    enforcer_.remove();
    if (iptables_) {
        iptables_->remove();
    }
    spdlog::warn(
        "OPENSANDBOX_EGRESS_CLEANUP_ON_EXIT: nftables table{} removed; the sandbox is no longer filtered",
        iptables_ ? " and iptables DNS redirect" : "");
}

std::unique_ptr<dns::ResolvedAddressHook> Enforcement::make_resolved_hook(common::EventLoop& loop) const {
    if (config_.mode != EnforcementMode::dns_nft) {
        return nullptr;
    }
    nft::DynamicAllowWriter::Options options;
    options.timeouts = nft::ElementTimeoutPolicy{config_.ttl_grace, config_.ttl_min, config_.ttl_max};
    options.renewal = timeout_renewal_;
    options.on_eviction = eviction_listener_;
    return std::make_unique<TimedResolvedHook>(
        std::make_unique<nft::DynamicAllowWriter>(loop, provenance_, options, learning_gate_),
        dynamic_write_seconds_, learned_addresses_, dynamic_updates_, provenance_);
}

}  // namespace egress::sidecar
