#include "nft/element_timeout.hpp"

#include <algorithm>

namespace egress::nft {

std::chrono::seconds ElementTimeoutPolicy::timeout_for(uint32_t ttl_seconds) const {
    const auto wanted = std::chrono::seconds(ttl_seconds) + grace;
    // max() first so a misconfigured minimum above the maximum still yields the maximum.
    return std::min(std::max(wanted, minimum), std::max(maximum, std::chrono::seconds(1)));
}

}  // namespace egress::nft
