#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "dns/answer.hpp"
#include "policy/wildcard_guard.hpp"

namespace egress::dns {

// allow and would_deny (an audited denial) are forwarded; deny is answered NXDOMAIN.
enum class NameVerdict : uint8_t { allow, deny, would_deny };

struct NameJudgement {
    NameVerdict verdict = NameVerdict::allow;
    // Set when the wildcard guard turned an allowed name into a denial (or a would-deny).
    policy::GuardLimit over_limit = policy::GuardLimit::none;
};

// Decides whether a query may be resolved. `policy_name` is Query::policy_name.
// Called on the proxy's loop thread for every query: it must be fast and must not block.
class QueryPolicy {
  public:
    virtual ~QueryPolicy() = default;
    virtual NameJudgement judge(std::string_view policy_name, uint16_t query_type) const = 0;
};

// Learns the addresses of every allowed answer before the client sees it (the nftables layer
// adds them to its sets). Called on the loop thread; must call `release` exactly once, on the
// loop thread, when the client may have the answer: with true, or with false when the name was
// denied while its answer was on the way (the client then gets the denial, not the answer).
class ResolvedAddressHook {
  public:
    using Release = std::function<void(bool still_allowed)>;

    virtual ~ResolvedAddressHook() = default;
    virtual void on_resolved(std::string_view name, const std::vector<ResolvedAddress>& addresses,
                             Release release) = 0;
};

// Told about every name the policy denied (the deny webhook listens here). Must not block.
using DeniedNameListener = std::function<void(std::string_view hostname)>;

}  // namespace egress::dns
