#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "common/ip_prefix.hpp"

namespace egress::nft {

// One element of an nft interval set as the kernel stores it: a range starts at a key without
// flags and ends at the first address after it, flagged NFT_SET_ELEM_INTERVAL_END.
struct IntervalBoundary {
    std::array<uint8_t, 16> key{};
    uint8_t key_length = 0;  // 4 or 16
    bool interval_end = false;
    bool operator==(const IntervalBoundary&) const = default;
};

// Masks, sorts, removes duplicates and prefixes contained in another one, so the resulting
// ranges never overlap (overlaps make the kernel refuse the whole transaction).
std::vector<common::IpPrefix> normalize_prefixes(std::vector<common::IpPrefix> prefixes);

// The elements nft itself sends for these prefixes (all of one family, normalised): like nft, an
// interval-end at the all-zero address when the first range does not start there, and no end for
// a range reaching the top of the address space.
std::vector<IntervalBoundary> interval_boundaries(std::span<const common::IpPrefix> normalized);

}  // namespace egress::nft
