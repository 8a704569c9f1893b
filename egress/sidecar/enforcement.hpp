#pragma once

#include <memory>

#include "common/event_loop.hpp"
#include "common/metrics.hpp"
#include "dns/query_policy.hpp"
#include "nft/address_provenance.hpp"
#include "nft/nft_enforcer.hpp"
#include "policy/policy_snapshot.hpp"
#include "sidecar/config.hpp"

namespace egress::sidecar {

// The nftables side of the sidecar: installs table inet opensandbox at start (the DNS redirect
// in both modes, the filter chain in dns+nft), follows policy changes incrementally, and feeds
// the dynamic sets from the DNS proxy's answers (dns+nft only).
class Enforcement {
  public:
    Enforcement(const EgressConfig& config, common::MetricsRegistry& metrics);

    // One transaction; throws nft::NftError with a message an operator can act on.
    void install(const policy::PolicySnapshot& snapshot);
    // For PolicyEngine's enforcement hook: throws (and changes nothing) when the kernel refuses.
    void apply(const policy::PolicySnapshot& snapshot);
    // OPENSANDBOX_EGRESS_CLEANUP_ON_EXIT: delete our table (fail open) instead of keeping it.
    void remove_if_configured();

    // The proxy's resolved-address hook, built on its loop thread; null in dns mode.
    std::unique_ptr<dns::ResolvedAddressHook> make_resolved_hook(common::EventLoop& loop) const;

  private:
    nft::FilterPolicy filter_policy(const policy::PolicySnapshot& snapshot) const;

    const EgressConfig& config_;
    common::Histogram& apply_seconds_;
    common::Counter& apply_failures_;
    common::Histogram& dynamic_write_seconds_;
    common::Gauge& learned_addresses_;
    std::shared_ptr<nft::AddressProvenance> provenance_;
    nft::NftEnforcer enforcer_;
};

}  // namespace egress::sidecar
