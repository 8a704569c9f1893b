#include "sidecar/eviction_report.hpp"

#include <string>
#include <vector>

#include "common/log.hpp"

namespace egress::sidecar {
namespace {

constexpr std::string_view kEvictedEvent = "egress.learned_evicted";

const char* reason_name(nft::Eviction::Reason reason) {
    return reason == nft::Eviction::Reason::name_cap ? "name_cap" : "total_cap";
}

}  // namespace

EvictionReport::EvictionReport(common::MetricsRegistry& metrics, size_t event_lines_per_second,
                               common::Family<common::Counter>& suppressed_events)
    : evictions_(
          metrics.counter_family("egress_nft_learned_evictions_total",
                                 "Learned addresses given up, least recently used first, to stay within "
                                 "OPENSANDBOX_EGRESS_NFT_MAX_ADDRESSES_PER_NAME (name_cap) or "
                                 "OPENSANDBOX_EGRESS_NFT_MAX_LEARNED_ADDRESSES "
                                 "(total_cap).",
                                 {"reason"})),
      event_lines_per_second_(event_lines_per_second),
      budget_(std::string(kEvictedEvent) + " lines", event_lines_per_second,
              &suppressed_events.with_labels({std::string(kEvictedEvent)})) {}

void EvictionReport::record(const nft::Eviction& eviction) {
    evictions_.with_labels({reason_name(eviction.reason)}).inc();
    if (event_lines_per_second_ == 0 || !spdlog::default_logger_raw()->should_log(common::LogLevel::warn)) {
        return;
    }
    {
        std::lock_guard lock(mutex_);
        if (!budget_.take()) {
            return;
        }
    }
    std::vector<common::LogField> fields{{common::kLogEventKey, kEvictedEvent},
                                         {"target.ip", eviction.address.to_string()},
                                         {"reason", reason_name(eviction.reason)}};
    if (!eviction.name.empty()) {
        fields.emplace_back("target.host", eviction.name);
    }
    common::log_fields(common::LogLevel::warn, "learned address given up to stay within the limits", fields);
}

}  // namespace egress::sidecar
