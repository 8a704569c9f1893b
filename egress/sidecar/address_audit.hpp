#pragma once

#include <cstddef>

#include "common/metrics.hpp"
#include "dns/log_budget.hpp"
#include "nft/audited_packet.hpp"
#include "policy/denial_tally.hpp"

namespace egress::sidecar {

// What becomes of a connection the address layer let through as would-deny: its destination is
// tallied (GET /policy/stats, /policy/suggestions) and logged as an `egress.would_deny` event
// (info; target.ip, target.protocol, target.port when it has one; rate-limited like the DNS
// events). Called on the audit log reader's thread only.
class AddressAudit {
  public:
    AddressAudit(policy::DenialTally& destinations, size_t event_lines_per_second,
                 common::Family<common::Counter>& suppressed_events);

    void record(const nft::AuditedConnection& connection);

  private:
    policy::DenialTally& destinations_;
    size_t event_lines_per_second_;
    dns::LogBudget budget_;
};

}  // namespace egress::sidecar
