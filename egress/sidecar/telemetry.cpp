#include "sidecar/telemetry.hpp"

#include <array>
#include <chrono>
#include <string>

#include "common/build_info.hpp"
#include "common/resource_gauges.hpp"

namespace egress::sidecar {
namespace {

constexpr auto kResourceSampleInterval = std::chrono::seconds(1);

constexpr std::array kEgressOtlpNames{
    common::OtlpName{"egress_dns_handling_seconds", "egress.dns.query.duration", "s"},
    common::OtlpName{"egress_dns_queries_total", "egress.dns.queries", "{query}"},
    common::OtlpName{"egress_dns_queries_total", "egress.policy.denied_total", "{query}", "outcome",
                     "denied"},
    common::OtlpName{"egress_nft_rules", "egress.nftables.rules.count", "{element}"},
    common::OtlpName{"egress_nft_updates_total", "egress.nftables.updates.count", "{update}"},
    common::OtlpName{"egress_system_memory_usage_bytes", "egress.system.memory.usage_bytes", "By"},
    common::OtlpName{"egress_system_cpu_usage_percent", "egress.system.cpu.utilization", "1", {}, {}, 0.01},
};

}  // namespace

std::span<const common::OtlpName> egress_otlp_names() {
    return kEgressOtlpNames;
}

std::unique_ptr<common::OtlpExporter> start_telemetry(const EgressConfig& config,
                                                      common::MetricsRegistry& metrics,
                                                      const std::string& hostinfo_path) {
    common::register_resource_gauges(metrics, "egress",
                                     std::make_shared<common::ResourceSampler>(kResourceSampleInterval));
    const common::OtlpIdentity identity{
        "opensandbox-egress-" + std::string(common::build_info().version),
        "opensandbox/egress",
        "OPENSANDBOX_EGRESS_SANDBOX_ID",
        "OPENSANDBOX_EGRESS_METRICS_EXTRA_ATTRS",
    };
    return common::start_otlp_export_from_environment(identity, metrics, egress_otlp_names(),
                                                      config.socket_mark, hostinfo_path);
}

}  // namespace egress::sidecar
