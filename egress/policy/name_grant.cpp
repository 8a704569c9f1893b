#include "policy/name_grant.hpp"

#include <algorithm>
#include <string>
#include <string_view>

namespace egress::policy {
namespace {

const NameGrant kEveryPortGrant{};

// Adds one more allow rule for the target to its grant; a rule without ports opens every port.
void widen(NameGrant& grant, const Rule& rule) {
    if (grant.every_port) {
        return;
    }
    if (!rule.scope.scoped()) {
        grant = {};
        return;
    }
    for (const uint16_t port : rule.scope.ports) {
        grant.ports.push_back({rule.scope.protocol, port});
    }
}

}  // namespace

NameGrants::NameGrants(std::span<const Rule> rules) {
    struct Group {
        size_t first_index;
        NameGrant grant;
        bool open = true;      // no deny rule for the target seen yet
        bool started = false;  // an allow rule was added
    };
    std::unordered_map<std::string_view, Group> groups;
    for (size_t index = 0; index < rules.size(); ++index) {
        const Rule& rule = rules[index];
        if (!rule.target.is_name()) {
            continue;
        }
        auto [found, inserted] = groups.try_emplace(rule.target.text, Group{index, {}, true, false});
        Group& group = found->second;
        if (!group.open) {
            continue;
        }
        if (rule.action != Action::allow) {
            group.open = false;
            continue;
        }
        if (!group.started) {
            group.grant.every_port = !rule.scope.scoped();
            group.started = true;
        }
        widen(group.grant, rule);
    }
    slot_by_rule_.assign(rules.size(), kEveryPort);
    for (auto& [target, group] : groups) {
        if (!group.grant.every_port) {
            auto& ports = group.grant.ports;
            std::sort(ports.begin(), ports.end());
            ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
            slot_by_rule_[group.first_index] = static_cast<uint32_t>(scoped_.size());
            scoped_.push_back(std::move(group.grant));
        }
    }
}

const NameGrant& NameGrants::of_rule(size_t rule_index) const {
    const uint32_t slot = rule_index < slot_by_rule_.size() ? slot_by_rule_[rule_index] : kEveryPort;
    return slot == kEveryPort ? kEveryPortGrant : scoped_[slot];
}

}  // namespace egress::policy
