#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "dns/answer.hpp"

namespace egress::dns {

// allow and would_deny (an audited denial) are forwarded; deny is answered NXDOMAIN.
enum class NameVerdict : uint8_t { allow, deny, would_deny };

// Decides whether a query name may be resolved. `policy_name` is Query::policy_name.
// Called on the proxy's loop thread for every query: it must be fast and must not block.
class QueryPolicy {
  public:
    virtual ~QueryPolicy() = default;
    virtual NameVerdict judge(std::string_view policy_name) const = 0;
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
