#include "policy/static_ip_sets.hpp"

#include <algorithm>

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

StaticIpSets build_static_ip_sets(std::span<const Rule> rules) {
    StaticIpSets sets;
    for (const Rule& rule : rules) {
        if (!rule.target.network) {
            continue;
        }
        const bool v4 = rule.target.network->family() == common::IpFamily::v4;
        auto& set = rule.action == Action::allow ? (v4 ? sets.allow_v4 : sets.allow_v6)
                                                 : (v4 ? sets.deny_v4 : sets.deny_v6);
        set.push_back(*rule.target.network);
    }
    for (auto* set : {&sets.allow_v4, &sets.allow_v6, &sets.deny_v4, &sets.deny_v6}) {
        *set = normalize_interval_set(std::move(*set));
    }
    return sets;
}

}  // namespace egress::policy
