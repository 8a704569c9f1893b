#include "nft/policy_adapter.hpp"

namespace egress::nft {

FilterPolicy filter_policy_from(const policy::PolicySnapshot& snapshot,
                                std::vector<common::IpAddress> nameservers, DohBlocking doh) {
    const auto& sets = snapshot.static_ip_sets();
    FilterPolicy result;
    result.default_action = snapshot.effective_policy().default_action == policy::Action::allow
                                ? DefaultAction::allow
                                : DefaultAction::deny;
    result.prefixes = PrefixSets{sets.allow_v4, sets.allow_v6, sets.deny_v4, sets.deny_v6};
    result.nameservers = std::move(nameservers);
    result.doh = std::move(doh);
    return result;
}

AddressProvenance::NameAllowed name_allowed_by(std::shared_ptr<const policy::PolicySnapshot> snapshot) {
    return [snapshot = std::move(snapshot)](std::string_view name) {
        return snapshot->evaluate(name) == policy::Action::allow;
    };
}

}  // namespace egress::nft
