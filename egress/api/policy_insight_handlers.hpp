#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/api_response.hpp"
#include "common/ip_address.hpp"
#include "common/metrics.hpp"
#include "policy/denial_tally.hpp"
#include "policy/policy_engine.hpp"

namespace egress::api {

// One learned address as explain shows it.
struct LearnedEntry {
    common::IpAddress address;
    std::chrono::seconds expires_in{0};
    bool every_port = false;
    std::vector<std::pair<std::string, uint16_t>> ports;  // ("tcp"|"udp", port)
    std::vector<std::string> names;                       // every name that put the address there
};

// What the enforcement layer has learned (none in mode dns: no learned sets).
struct LearnedLookup {
    std::function<std::vector<LearnedEntry>(std::string_view name)> by_name;
    std::function<std::optional<LearnedEntry>(const common::IpAddress& address)> by_address;
};

// What was denied or would have been: names by the DNS layer, destinations (tally keys of
// policy::AuditedDestination) by the address layer.
struct DenialTallies {
    const policy::DenialTally& names;
    const policy::DenialTally& destinations;
};

// The read-only views of a policy at work: GET /policy/explain, /policy/stats and
// /policy/suggestions, and the per-rule decision counters on /metrics
// (egress_policy_rule_decisions_total{source,rule,rule_id,decision}: one series per rule in force
// and verdict, never a queried name).
class PolicyInsightHandlers {
  public:
    PolicyInsightHandlers(const policy::PolicyEngine& engine, DenialTallies denied, LearnedLookup learned,
                          common::MetricsRegistry& metrics);

    // ?name=<fqdn>, or ?ip=<address>[&port=<n>[&proto=tcp|udp]].
    ApiResponse explain(std::string_view query) const;
    // ?top=<n> (default 20, at most 1000): the rules' counters, the most denied names and the
    // destinations the address layer let through most as would-deny.
    ApiResponse stats(std::string_view query) const;
    // Allow rules that would admit what was denied or would have been, ready to PATCH.
    ApiResponse suggestions() const;

  private:
    ApiResponse explain_name(const std::string& name) const;
    ApiResponse explain_address(const common::IpAddress& address, std::string_view query) const;
    std::vector<common::MetricSample> rule_samples() const;
    bool learned_opens_address(const common::IpAddress& address,
                               std::optional<policy::ProtocolPort> port) const;

    const policy::PolicyEngine& engine_;
    DenialTallies denied_;
    LearnedLookup learned_;
};

}  // namespace egress::api
