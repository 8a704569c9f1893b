#include "dns/proxy_metrics.hpp"

namespace egress::dns {
namespace {

std::vector<double> latency_buckets() {
    return common::exponential_buckets(0.00005, 2, 16);
}

}  // namespace

ProxyMetrics::ProxyMetrics(common::MetricsRegistry& registry)
    : ProxyMetrics(registry,
                   registry.counter_family("egress_dns_queries_total",
                                           "DNS queries received by the proxy, by outcome", {"outcome"})) {}

ProxyMetrics::ProxyMetrics(common::MetricsRegistry& registry, common::Family<common::Counter>& outcomes)
    : allowed(outcomes.with_labels({"allowed"})),
      denied(outcomes.with_labels({"denied"})),
      would_deny(outcomes.with_labels({"would_deny"})),
      upstream_failed(outcomes.with_labels({"upstream_failure"})),
      malformed(outcomes.with_labels({"malformed"})),
      overloaded(outcomes.with_labels({"overloaded"})),
      not_implemented(outcomes.with_labels({"not_implemented"})),
      in_flight(registry.gauge("egress_dns_queries_in_flight", "Queries waiting for an upstream answer")),
      upstream_latency_seconds(registry.histogram("egress_dns_upstream_latency_seconds",
                                                  "Time from forwarding a query to its upstream answer",
                                                  latency_buckets())),
      handling_seconds(registry.histogram("egress_dns_handling_seconds",
                                          "Time from receiving a query to sending its reply",
                                          latency_buckets())),
      log_events_suppressed(registry.counter_family(
          "egress_log_events_suppressed_total",
          "Per-query event log lines left out by the rate limit, by event", {"event"})),
      wildcard_guard(registry.counter_family(
          "egress_dns_wildcard_guard_total",
          "Queries under an allowed wildcard over a limit of the policy's wildcardGuard, by limit "
          "(answered NXDOMAIN, or forwarded in audit mode)",
          {"limit"})) {}

}  // namespace egress::dns
