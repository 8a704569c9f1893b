#pragma once

#include <atomic>
#include <optional>
#include <string>

#include "sidecar/dns_service.hpp"

namespace egress::sidecar {

// What the health probes report, updated as the sidecar starts and stops; read from the probes'
// thread.
class HealthState {
  public:
    void enforcement_installed() { installed_ = true; }
    // `dns` must outlive the probes, or be withdrawn first.
    void dns_serving(DnsService* dns) { dns_ = dns; }

    // Alive unless the DNS loop, once started, stopped answering (a restart would help).
    std::optional<std::string> liveness() const;
    // Ready when the ruleset is installed and the DNS proxy serves and answers promptly.
    std::optional<std::string> readiness() const;

  private:
    std::atomic<bool> installed_{false};
    std::atomic<DnsService*> dns_{nullptr};
};

}  // namespace egress::sidecar
