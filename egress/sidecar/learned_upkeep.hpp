#pragma once

#include <chrono>
#include <memory>

#include "common/metrics.hpp"
#include "nft/address_provenance.hpp"
#include "nft/element_timeout.hpp"
#include "nft/learning_gate.hpp"
#include "nft/use_renewer.hpp"
#include "sidecar/config.hpp"
#include "sidecar/name_revalidator.hpp"

namespace egress::sidecar {

// How often the datapath's marks of used addresses are read: often enough that an element in use
// is renewed well before its tail runs out, and twice within the shortest life an answer gives an
// element; rarely enough to cost nothing when idle.
std::chrono::milliseconds use_renewal_interval(const EgressConfig& config);

// Keeps the learned addresses traffic uses alive (OPENSANDBOX_EGRESS_NFT_USE_TAIL_SEC) and asks
// again for the names in use whose answer went stale (OPENSANDBOX_EGRESS_NFT_REVALIDATE_*), with
// their metrics. Construct in the sandbox's network namespace.
class LearnedUpkeep {
  public:
    LearnedUpkeep(const EgressConfig& config, common::MetricsRegistry& metrics,
                  std::shared_ptr<nft::AddressProvenance> provenance,
                  std::shared_ptr<nft::LearningGate> gate);

    // Once the ruleset (its dyn_seen sets) is installed; nothing when the tail is 0.
    void start(nft::TimeoutRenewal renewal);

  private:
    void on_pass(const nft::UseRenewalPass& pass);

    const EgressConfig& config_;
    common::MetricsRegistry& metrics_;
    std::shared_ptr<nft::AddressProvenance> provenance_;
    std::shared_ptr<nft::LearningGate> gate_;
    common::Counter& renewals_;
    common::FloatCounter& cpu_seconds_;
    common::Counter& failures_;
    common::Gauge& addresses_in_use_;
    std::unique_ptr<NameRevalidator> revalidator_;
    std::unique_ptr<nft::UseRenewer> renewer_;
};

}  // namespace egress::sidecar
