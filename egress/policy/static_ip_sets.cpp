#include "policy/static_ip_sets.hpp"

#include <algorithm>
#include <tuple>

namespace egress::policy {

std::vector<common::IpPrefix> normalize_interval_set(std::vector<common::IpPrefix> prefixes) {
    for (auto& prefix : prefixes) {
        prefix = prefix.masked();
    }
    // Sorted by (address, length), a covering prefix comes right before everything it covers
    // (pre-order of the prefix tree), so comparing with the last kept prefix is enough.
    std::sort(prefixes.begin(), prefixes.end());
    std::vector<common::IpPrefix> kept;
    kept.reserve(prefixes.size());
    for (const auto& prefix : prefixes) {
        if (kept.empty() || !kept.back().contains(prefix)) {
            kept.push_back(prefix);
        }
    }
    return kept;
}

namespace {

// The networks a port-scoped rule covers: its own, or every address for a rule without a target.
std::vector<common::IpPrefix> networks_of(const Rule& rule) {
    if (rule.target.kind == TargetKind::any) {
        return {common::IpPrefix::parse_or_throw("0.0.0.0/0"), common::IpPrefix::parse_or_throw("::/0")};
    }
    return {*rule.target.network};
}

void add_ported(std::vector<PortedPrefix>& set, const Rule& rule) {
    for (const auto& network : networks_of(rule)) {
        for (const uint16_t port : rule.scope.ports) {
            set.push_back({network, rule.scope.protocol, port});
        }
    }
}

// Per protocol and port, drops what another prefix of the same set already covers (an nft
// interval set of concatenations refuses overlapping elements); as in normalize_interval_set, a
// covering prefix sorts right before what it covers.
std::vector<PortedPrefix> normalize_ported_set(std::vector<PortedPrefix> set) {
    for (auto& entry : set) {
        entry.prefix = entry.prefix.masked();
    }
    std::sort(set.begin(), set.end(), [](const PortedPrefix& a, const PortedPrefix& b) {
        return std::tie(a.protocol, a.port, a.prefix) < std::tie(b.protocol, b.port, b.prefix);
    });
    std::vector<PortedPrefix> kept;
    for (const auto& entry : set) {
        const bool covered = !kept.empty() && kept.back().protocol == entry.protocol &&
                             kept.back().port == entry.port && kept.back().prefix.contains(entry.prefix);
        if (!covered) {
            kept.push_back(entry);
        }
    }
    return kept;
}

}  // namespace

StaticIpSets build_static_ip_sets(std::span<const Rule> rules, EnforcementMode mode,
                                  size_t always_deny_count) {
    StaticIpSets sets;
    for (size_t index = 0; index < rules.size(); ++index) {
        const Rule& rule = rules[index];
        const bool audited =
            rule.action == Action::audit ||
            (rule.action == Action::deny && mode == EnforcementMode::audit && index >= always_deny_count);
        if (rule.scope.scoped() && (rule.target.network || rule.target.kind == TargetKind::any)) {
            if (!audited) {  // an audited port deny is not enforced; the chain's end counts it
                add_ported(rule.action == Action::allow ? sets.ported_allow : sets.ported_deny, rule);
            }
            continue;
        }
        if (!rule.target.network) {
            continue;
        }
        const bool v4 = rule.target.network->family() == common::IpFamily::v4;
        auto& set = audited                        ? (v4 ? sets.audit_v4 : sets.audit_v6)
                    : rule.action == Action::allow ? (v4 ? sets.allow_v4 : sets.allow_v6)
                                                   : (v4 ? sets.deny_v4 : sets.deny_v6);
        set.push_back(*rule.target.network);
    }
    for (auto* set :
         {&sets.allow_v4, &sets.allow_v6, &sets.deny_v4, &sets.deny_v6, &sets.audit_v4, &sets.audit_v6}) {
        *set = normalize_interval_set(std::move(*set));
    }
    sets.ported_allow = normalize_ported_set(std::move(sets.ported_allow));
    sets.ported_deny = normalize_ported_set(std::move(sets.ported_deny));
    return sets;
}

}  // namespace egress::policy
