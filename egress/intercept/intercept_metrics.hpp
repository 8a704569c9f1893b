#pragma once

#include <string_view>

#include "common/metrics.hpp"

namespace egress::intercept {

// The interception proxy's counters; labels are fixed words, never a host or a binding name.
class InterceptMetrics {
  public:
    explicit InterceptMetrics(common::MetricsRegistry& registry);

    // decrypted, opaque (relayed untouched), inspected (plain HTTP read for bindings), refused
    void connection(std::string_view mode) { connections_.with_labels({std::string(mode)}).inc(); }
    // forward, inject, ambiguous, misdirected, unmatchable_path
    void request(std::string_view verdict) { requests_.with_labels({std::string(verdict)}).inc(); }
    // connect, tls
    void upstream_failure(std::string_view stage) {
        upstream_failures_.with_labels({std::string(stage)}).inc();
    }
    common::Gauge& active() { return active_; }

  private:
    common::Family<common::Counter>& connections_;
    common::Family<common::Counter>& requests_;
    common::Family<common::Counter>& upstream_failures_;
    common::Gauge& active_;
};

}  // namespace egress::intercept
