#include "nft/policy_adapter.hpp"

#include <netinet/in.h>

#include <algorithm>

namespace egress::nft {
namespace {

L4Port l4_port(policy::Protocol protocol, uint16_t port) {
    return {static_cast<uint8_t>(protocol == policy::Protocol::udp ? IPPROTO_UDP : IPPROTO_TCP), port};
}

std::vector<PortedPrefix> ported_prefixes(const std::vector<policy::PortedPrefix>& entries) {
    std::vector<PortedPrefix> result;
    result.reserve(entries.size());
    for (const auto& entry : entries) {
        result.push_back({entry.prefix, l4_port(entry.protocol, entry.port)});
    }
    return result;
}

}  // namespace

FilterPolicy filter_policy_from(const policy::PolicySnapshot& snapshot,
                                std::vector<common::IpAddress> nameservers, DohBlocking doh) {
    const auto& sets = snapshot.static_ip_sets();
    FilterPolicy result;
    result.default_action = snapshot.effective_policy().default_action == policy::Action::allow
                                ? DefaultAction::allow
                                : DefaultAction::deny;
    result.prefixes = PrefixSets{sets.allow_v4,
                                 sets.allow_v6,
                                 sets.deny_v4,
                                 sets.deny_v6,
                                 ported_prefixes(sets.ported_allow),
                                 ported_prefixes(sets.ported_deny),
                                 sets.audit_v4,
                                 sets.audit_v6};
    result.audit = snapshot.user_policy().mode == policy::EnforcementMode::audit;
    result.nameservers = std::move(nameservers);
    result.doh = std::move(doh);
    return result;
}

NameGrantLookup name_grants_of(std::shared_ptr<const policy::PolicySnapshot> snapshot) {
    // Converted once per snapshot, so a lookup returns a pointer and copies nothing.
    auto converted = std::make_shared<std::vector<PortGrant>>();
    const auto& scoped = snapshot->name_grants().scoped();
    for (const auto& grant : scoped) {
        PortGrant result{false, {}};
        for (const auto& entry : grant.ports) {
            result.ports.push_back(l4_port(entry.protocol, entry.port));
        }
        std::sort(result.ports.begin(), result.ports.end());
        converted->push_back(std::move(result));
    }
    return [snapshot = std::move(snapshot), converted](std::string_view name) -> const PortGrant* {
        const policy::NameGrant* grant = snapshot->grant(name);
        if (grant == nullptr) {
            return nullptr;
        }
        if (grant->every_port) {
            return &every_port();
        }
        return &(*converted)[static_cast<size_t>(grant - snapshot->name_grants().scoped().data())];
    };
}

}  // namespace egress::nft
