#pragma once

#include <memory>
#include <optional>

#include "common/event_loop.hpp"
#include "common/metrics.hpp"
#include "dns/query_policy.hpp"
#include "nft/address_provenance.hpp"
#include "nft/audit_log_reader.hpp"
#include "nft/command_runner.hpp"
#include "nft/iptables_redirect.hpp"
#include "nft/learning_gate.hpp"
#include "nft/nft_enforcer.hpp"
#include "nft/redirect_backend.hpp"
#include "policy/policy_snapshot.hpp"
#include "sidecar/config.hpp"
#include "sidecar/learned_upkeep.hpp"

namespace egress::sidecar {

// The nftables side of the sidecar: installs table inet opensandbox at start (the DNS redirect
// in both modes, the filter chain in dns+nft), follows policy changes incrementally, and feeds
// the dynamic sets from the DNS proxy's answers (dns+nft only). The DNS redirect is an nft nat
// chain, or iptables/ip6tables rules (OPENSANDBOX_EGRESS_REDIRECT, or a kernel without nft nat).
class Enforcement {
  public:
    Enforcement(const EgressConfig& config, common::MetricsRegistry& metrics);

    // dns+nft: the connections the address layer lets through as would-deny go to `listener` (on
    // the reader's thread). Call before install(); without the kernel's NFLOG support they are
    // only counted, and a warning says so.
    void record_audits_with(nft::AuditLogReader::Listener listener);
    // Every learned address given up to stay within the limits goes to `listener` (on the DNS
    // proxy's loop threads). Call before make_resolved_hook().
    void report_evictions_to(std::function<void(const nft::Eviction&)> listener);
    // One transaction (plus the iptables rules when they do the redirect); throws nft::NftError or
    // nft::IptablesError with a message an operator can act on. Returns what redirects DNS.
    nft::RedirectBackend install(const std::shared_ptr<const policy::PolicySnapshot>& snapshot);
    // For PolicyEngine's enforcement hook: throws (and changes nothing) when the kernel refuses.
    // From its return on, answers still on the way are learned only if `snapshot` allows them.
    void apply(const std::shared_ptr<const policy::PolicySnapshot>& snapshot);
    // OPENSANDBOX_EGRESS_CLEANUP_ON_EXIT: delete our table and iptables rules (fail open) instead
    // of keeping them.
    void remove_if_configured();

    // Whether the workload's TCP to ports 80 and 443 goes to the credential proxy (dns+nft with
    // the proxy enabled, and the nft nat chain doing the redirects).
    bool intercepts() const;
    // Whether egress's traffic and sockets are told apart by a cgroup of its own (after install()).
    bool has_own_cgroup() const { return enforcer_.options().own_cgroup.has_value(); }
    // Which names each learned address was resolved for.
    const nft::AddressProvenance& provenance() const { return *provenance_; }

    // The proxy's resolved-address hook, built on its loop thread; null in dns mode.
    std::unique_ptr<dns::ResolvedAddressHook> make_resolved_hook(common::EventLoop& loop) const;

  private:
    nft::FilterPolicy filter_policy(const policy::PolicySnapshot& snapshot) const;
    void keep_own_cgroup_only_if_the_kernel_can_match_it();
    void install_iptables_redirect();
    void count_static_update(const nft::FilterPolicy& policy);
    void renew_elements_in_use();
    void cut_connections_to(const nft::Revocation& revoked);

    const EgressConfig& config_;
    common::Histogram& apply_seconds_;
    common::Counter& apply_failures_;
    common::Histogram& dynamic_write_seconds_;
    common::Gauge& learned_addresses_;
    common::Gauge& static_elements_;
    common::Family<common::Counter>& updates_;
    common::Counter& static_updates_;
    common::Counter& dynamic_updates_;
    std::shared_ptr<nft::AddressProvenance> provenance_;
    std::shared_ptr<nft::LearningGate> learning_gate_;
    nft::NftEnforcer enforcer_;
    nft::ProcessRunner runner_;
    std::optional<nft::IptablesRedirect> iptables_;
    common::Counter& audit_records_lost_;
    std::unique_ptr<nft::AuditLogReader> audit_log_;
    nft::TimeoutRenewal timeout_renewal_ = nft::TimeoutRenewal::in_place;
    common::Counter& connections_cut_;
    LearnedUpkeep upkeep_;
    std::function<void(const nft::Eviction&)> eviction_listener_;
};

}  // namespace egress::sidecar
