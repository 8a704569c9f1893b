#include "policy/address_decision.hpp"

#include <algorithm>

namespace egress::policy {
namespace {

constexpr uint16_t kDnsPort = 53;
constexpr uint16_t kDotPort = 853;

bool covers(const Rule& rule, const common::IpAddress& address, const std::optional<ProtocolPort>& port) {
    const bool address_matches = rule.target.kind == TargetKind::any ||
                                 (rule.target.network && rule.target.network->contains(address));
    if (!address_matches) {
        return false;
    }
    if (!rule.scope.scoped()) {
        return rule.target.kind != TargetKind::any;
    }
    return port && port->protocol == rule.scope.protocol &&
           std::find(rule.scope.ports.begin(), rule.scope.ports.end(), port->port) != rule.scope.ports.end();
}

// The first rule of the effective policy for which `wanted` holds, as a decision located by source.
std::optional<AddressDecision> first_rule(const PolicySnapshot& snapshot, const common::IpAddress& address,
                                          const std::optional<ProtocolPort>& port, Verdict verdict,
                                          bool scoped_only) {
    const auto& rules = snapshot.effective_policy().rules;
    for (size_t index = 0; index < rules.size(); ++index) {
        const Rule& rule = rules[index];
        if (rule.target.is_name() || (scoped_only && !rule.scope.scoped()) || !covers(rule, address, port)) {
            continue;
        }
        const Decision located = snapshot.decision_at(index);
        if (located.verdict == verdict) {
            return AddressDecision{located, AddressLayer::rule};
        }
    }
    return std::nullopt;
}

}  // namespace

std::string_view to_string(AddressLayer layer) {
    switch (layer) {
        case AddressLayer::rule:
            return "rule";
        case AddressLayer::learned:
            return "learned";
        case AddressLayer::fixed:
            return "fixed";
        case AddressLayer::none:
            break;
    }
    return "default";
}

AddressDecision decide_address(const PolicySnapshot& snapshot, const common::IpAddress& address,
                               std::optional<ProtocolPort> port, bool learned_open) {
    if (port && (port->port == kDnsPort || port->port == kDotPort)) {
        return {{Verdict::deny, RuleSource::default_action, 0}, AddressLayer::fixed};
    }
    // Deny sets first (the port-scoped one before the plain one), then the allow sets.
    for (const bool scoped_only : {true, false}) {
        if (auto denied = first_rule(snapshot, address, port, Verdict::deny, scoped_only)) {
            return *denied;
        }
    }
    if (learned_open) {
        return {{Verdict::allow, RuleSource::default_action, 0}, AddressLayer::learned};
    }
    if (auto allowed = first_rule(snapshot, address, port, Verdict::allow, false)) {
        return *allowed;
    }
    if (auto audited = first_rule(snapshot, address, port, Verdict::would_deny, false)) {
        return *audited;
    }
    return {snapshot.default_decision(), AddressLayer::none};
}

}  // namespace egress::policy
