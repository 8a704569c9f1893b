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
    // Every grant limited to ports; of_rule() returns references into it (or a grant of every port).
    const std::vector<NameGrant>& scoped() const { return scoped_; }

  private:
    static constexpr uint32_t kEveryPort = UINT32_MAX;

    std::vector<NameGrant> scoped_;
    std::vector<uint32_t> slot_by_rule_;  // index into scoped_, or kEveryPort
};

}  // namespace egress::policy
