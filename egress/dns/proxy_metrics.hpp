#pragma once

#include "common/metrics.hpp"

namespace egress::dns {

// The DNS proxy's instruments, registered once; updating one is a relaxed atomic operation.
struct ProxyMetrics {
    explicit ProxyMetrics(common::MetricsRegistry& registry);

    common::Counter& allowed;
    common::Counter& denied;
    // Audited denials: forwarded all the same (and then counted as allowed or upstream_failed too).
    common::Counter& would_deny;
    common::Counter& upstream_failed;
    common::Counter& malformed;
    common::Counter& overloaded;
    common::Counter& not_implemented;
    common::Gauge& in_flight;
    common::Histogram& upstream_latency_seconds;
    common::Histogram& handling_seconds;
    // Per-query event log lines left out by the rate limit, by event name.
    common::Family<common::Counter>& log_events_suppressed;
    // Queries a wildcard admitted that were over a limit of its guard, by limit (denied, or let
    // through in audit mode).
    common::Family<common::Counter>& wildcard_guard;

  private:
    ProxyMetrics(common::MetricsRegistry& registry, common::Family<common::Counter>& outcomes);
};

}  // namespace egress::dns
