#include "intercept/intercept_metrics.hpp"

namespace egress::intercept {

InterceptMetrics::InterceptMetrics(common::MetricsRegistry& registry)
    : connections_(registry.counter_family(
          "egress_credential_proxy_connections_total",
          "Workload TCP connections the credential proxy took, by how it handled them.", {"mode"})),
      requests_(registry.counter_family("egress_credential_proxy_requests_total",
                                        "HTTP requests the credential proxy read, by what it did with them.",
                                        {"verdict"})),
      upstream_failures_(registry.counter_family(
          "egress_credential_proxy_upstream_failures_total",
          "Connections to the real server that failed, by stage (connect or tls verification).", {"stage"})),
      active_(registry.gauge("egress_credential_proxy_active_connections",
                             "Connections the credential proxy holds now.")) {}

}  // namespace egress::intercept
