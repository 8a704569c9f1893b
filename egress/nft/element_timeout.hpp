#pragma once

#include <chrono>
#include <cstdint>

namespace egress::nft {

// How long a learned address stays in dyn_allow: clamp(ttl + grace, minimum, maximum) (upstream
// HEAD defaults: +60 s within [60 s, 360 s]).
struct ElementTimeoutPolicy {
    std::chrono::seconds grace{60};
    std::chrono::seconds minimum{60};
    std::chrono::seconds maximum{360};

    std::chrono::seconds timeout_for(uint32_t ttl_seconds) const;
};

// How a write restarts the countdown of an element already in a set: kernels from 6.11 on update
// it in place; older ones keep the old expiry unless the element is deleted and added again (in one
// transaction, so no packet finds it missing). See probe_timeout_renewal.
enum class TimeoutRenewal { in_place, delete_and_add };

}  // namespace egress::nft
