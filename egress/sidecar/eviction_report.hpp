#pragma once

#include <cstddef>
#include <mutex>

#include "common/metrics.hpp"
#include "dns/log_budget.hpp"
#include "nft/address_provenance.hpp"

namespace egress::sidecar {

// Every learned address given up to stay within the limits is counted
// (egress_nft_learned_evictions_total{reason}) and logged as an `egress.learned_evicted` event
// (warn; target.ip, target.host when one name gave it up, reason; rate-limited like the DNS events).
// Thread-safe.
class EvictionReport {
  public:
    EvictionReport(common::MetricsRegistry& metrics, size_t event_lines_per_second,
                   common::Family<common::Counter>& suppressed_events);

    void record(const nft::Eviction& eviction);

  private:
    common::Family<common::Counter>& evictions_;
    size_t event_lines_per_second_;
    std::mutex mutex_;
    dns::LogBudget budget_;
};

}  // namespace egress::sidecar
