#include "policy/suggestions.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>

namespace egress::policy {
namespace {

// Second-level labels under which registrations happen (example.co.uk): a wildcard directly
// below one of them would admit unrelated owners.
bool is_registry_suffix(std::string_view parent) {
    const size_t dot = parent.find('.');
    if (dot == std::string_view::npos) {
        return true;  // a top-level domain
    }
    const std::string_view second = parent.substr(0, dot);
    const std::string_view top = parent.substr(dot + 1);
    static const std::set<std::string_view> kSecondLevel = {"co",  "com", "net", "org", "ac",
                                                            "gov", "edu", "ne",  "or"};
    return top.find('.') == std::string_view::npos && top.size() == 2 && kSecondLevel.contains(second);
}

std::string_view parent_of(std::string_view name) {
    const size_t dot = name.find('.');
    return dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
}

Rule allow_rule(const std::string& target, const RawPortScope& scope = {}) {
    return make_rule("allow", target, scope);
}

struct AddressEvidence {
    bool whole_address = false;  // a destination without a port, or too many ports
    std::map<Protocol, std::set<uint16_t>> ports;
    std::map<Protocol, std::set<std::string>> keys_by_protocol;
    std::set<std::string> keys;
};

}  // namespace

std::vector<Suggestion> suggest_allow_rules(const std::vector<std::string>& names,
                                            size_t siblings_for_wildcard) {
    std::map<std::string, std::set<std::string>> by_parent;
    std::set<std::string> distinct(names.begin(), names.end());
    for (const std::string& name : distinct) {
        const std::string_view parent = parent_of(name);
        if (!parent.empty()) {
            by_parent[std::string(parent)].insert(name);
        }
    }
    std::map<std::string, std::set<std::string>> admitted_by;  // target -> names
    for (const std::string& name : distinct) {
        const std::string parent(parent_of(name));
        const bool wildcard = !parent.empty() && !is_registry_suffix(parent) &&
                              by_parent[parent].size() >= std::max<size_t>(siblings_for_wildcard, 2);
        admitted_by[wildcard ? "*." + parent : name].insert(name);
    }
    std::vector<Suggestion> suggestions;
    for (auto& [target, admitted] : admitted_by) {
        try {
            suggestions.push_back({allow_rule(target), {admitted.begin(), admitted.end()}});
        } catch (const std::exception&) {
            // A name that cannot be a rule target (e.g. a label over 63 characters) is never suggested.
        }
    }
    return suggestions;
}

std::vector<Suggestion> suggest_address_rules(const std::vector<AuditedDestination>& destinations) {
    std::map<common::IpAddress, AddressEvidence> by_address;
    for (const AuditedDestination& destination : destinations) {
        AddressEvidence& evidence = by_address[destination.address];
        const std::string key = tally_key(destination);
        evidence.keys.insert(key);
        if (!destination.port) {
            evidence.whole_address = true;
            continue;
        }
        const Protocol protocol = destination.port->protocol;
        evidence.keys_by_protocol[protocol].insert(key);
        auto& ports = evidence.ports[protocol];
        ports.insert(destination.port->port);
        evidence.whole_address = evidence.whole_address || ports.size() > max_ports_per_rule;
    }
    std::vector<Suggestion> suggestions;
    for (const auto& [address, evidence] : by_address) {
        const std::string target = address.to_string();
        if (evidence.whole_address) {
            suggestions.push_back({allow_rule(target), {evidence.keys.begin(), evidence.keys.end()}});
            continue;
        }
        for (const auto& [protocol, ports] : evidence.ports) {
            const auto& keys = evidence.keys_by_protocol.at(protocol);
            const RawPortScope scope{{ports.begin(), ports.end()}, to_string(protocol)};
            suggestions.push_back({allow_rule(target, scope), {keys.begin(), keys.end()}});
        }
    }
    return suggestions;
}

}  // namespace egress::policy
