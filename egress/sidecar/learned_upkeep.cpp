#include "sidecar/learned_upkeep.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace egress::sidecar {

std::chrono::milliseconds use_renewal_interval(const EgressConfig& config) {
    using namespace std::chrono_literals;
    const auto by_tail = std::clamp<std::chrono::milliseconds>(config.use_tail / 6, 1s, 10s);
    return std::max<std::chrono::milliseconds>(
        std::min<std::chrono::milliseconds>(by_tail, config.ttl_min / 2), 250ms);
}

LearnedUpkeep::LearnedUpkeep(const EgressConfig& config, common::MetricsRegistry& metrics,
                             std::shared_ptr<nft::AddressProvenance> provenance,
                             std::shared_ptr<nft::LearningGate> gate)
    : config_(config),
      metrics_(metrics),
      provenance_(std::move(provenance)),
      gate_(std::move(gate)),
      renewals_(
          metrics.counter("egress_nft_use_renewals_total",
                          "Learned elements written again with a new timeout because traffic used their "
                          "address (OPENSANDBOX_EGRESS_NFT_USE_TAIL_SEC).")),
      cpu_seconds_(
          metrics.float_counter("egress_nft_use_renewal_cpu_seconds_total",
                                "CPU time spent reading the marks of used addresses and renewing their "
                                "elements.")),
      failures_(metrics.counter(
          "egress_nft_use_renewal_failures_total",
          "Renewal passes the kernel refused (elements then expire with their answer's TTL).")),
      addresses_in_use_(metrics.gauge("egress_nft_addresses_in_use",
                                      "Learned addresses traffic went to within the last marking window "
                                      "(dyn_seen_v4/v6), at the last renewal pass.")) {}

void LearnedUpkeep::start(nft::TimeoutRenewal renewal) {
    if (config_.use_tail.count() == 0) {
        return;
    }
    if (config_.revalidations_per_second > 0) {
        revalidator_ = std::make_unique<NameRevalidator>(
            config_.dns_listen.front(),
            RevalidationBudget{static_cast<double>(config_.revalidations_per_second),
                               config_.revalidation_interval},
            provenance_, metrics_);
    }
    renewer_ = std::make_unique<nft::UseRenewer>(
        provenance_, gate_, nft::UseRenewalOptions{config_.use_tail, use_renewal_interval(config_), renewal});
    renewer_->start([this](const nft::UseRenewalPass& pass) { on_pass(pass); },
                    [this](const std::string& failure) {
                        failures_.inc();
                        spdlog::warn("nftables: renewing learned addresses in use failed: {}", failure);
                    });
}

void LearnedUpkeep::on_pass(const nft::UseRenewalPass& pass) {
    renewals_.inc(pass.renewed);
    cpu_seconds_.add(std::chrono::duration<double>(pass.cpu).count());
    addresses_in_use_.set(static_cast<double>(pass.marked));
    if (revalidator_ && !pass.stale_names.empty()) {
        revalidator_->revalidate(pass.stale_names);
    }
}

}  // namespace egress::sidecar
