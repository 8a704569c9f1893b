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

}  // namespace egress::nft
