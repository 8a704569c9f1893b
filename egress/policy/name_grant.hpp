#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "policy/rule.hpp"

namespace egress::policy {

struct ProtocolPort {
    Protocol protocol = Protocol::tcp;
    uint16_t port = 0;

    auto operator<=>(const ProtocolPort&) const = default;
};

// What the addresses learned for an allowed name are opened for: every port, or the listed ones.
struct NameGrant {
    bool every_port = true;
    std::vector<ProtocolPort> ports;  // sorted, distinct; empty when every_port

    bool operator==(const NameGrant&) const = default;
};

// The grant of each name target, computed once per policy. Several allow rules may name the same
// target with different ports (PATCH keeps them apart): the name's grant is their union, up to the
// first deny rule for that target (first match wins, as for names without ports); one of them
// without ports opens every port.
class NameGrants {
  public:
    NameGrants() = default;
    explicit NameGrants(std::span<const Rule> rules);

    // rule_index: the first rule naming its target (what DomainIndex returns), an allow rule.
    const NameGrant& of_rule(size_t rule_index) const;

  private:
    std::unordered_map<size_t, NameGrant> scoped_;  // by first rule index; absent: every port
};

}  // namespace egress::policy
