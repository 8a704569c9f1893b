#include "nft/interval_elements.hpp"

#include <algorithm>
#include <optional>

namespace egress::nft {
namespace {

IntervalBoundary boundary_from_bytes(std::span<const uint8_t> bytes, bool interval_end) {
    IntervalBoundary boundary;
    std::copy(bytes.begin(), bytes.end(), boundary.key.begin());
    boundary.key_length = static_cast<uint8_t>(bytes.size());
    boundary.interval_end = interval_end;
    return boundary;
}

// The first address after the prefix, or nullopt when the prefix reaches the top of the space.
std::optional<IntervalBoundary> end_after(const common::IpPrefix& prefix) {
    IntervalBoundary end = boundary_from_bytes(prefix.address().bytes(), true);
    const int host_bits = prefix.address().bit_length() - prefix.length();
    // Set every host bit, then add one with carry.
    for (int bit = 0; bit < host_bits; ++bit) {
        end.key[end.key_length - 1 - bit / 8] |= static_cast<uint8_t>(1u << (bit % 8));
    }
    for (int index = end.key_length - 1; index >= 0; --index) {
        if (++end.key[index] != 0) {
            return end;
        }
    }
    return std::nullopt;
}

bool is_all_zero(const common::IpAddress& address) {
    const auto bytes = address.bytes();
    return std::all_of(bytes.begin(), bytes.end(), [](uint8_t byte) { return byte == 0; });
}

}  // namespace

std::vector<common::IpPrefix> normalize_prefixes(std::vector<common::IpPrefix> prefixes) {
    for (auto& prefix : prefixes) {
        prefix = prefix.masked();
    }
    std::sort(prefixes.begin(), prefixes.end());
    std::vector<common::IpPrefix> kept;
    for (const auto& prefix : prefixes) {
        // Sorted by address then length, so a covering prefix always precedes what it covers.
        if (kept.empty() || kept.back().family() != prefix.family() || !kept.back().contains(prefix)) {
            kept.push_back(prefix);
        }
    }
    return kept;
}

std::vector<IntervalBoundary> interval_boundaries(std::span<const common::IpPrefix> normalized) {
    std::vector<IntervalBoundary> boundaries;
    if (normalized.empty()) {
        return boundaries;
    }
    const common::IpAddress& first = normalized.front().address();
    if (!is_all_zero(first)) {
        const std::array<uint8_t, 16> zero{};
        boundaries.push_back(boundary_from_bytes(std::span(zero).first(first.bytes().size()), true));
    }
    for (const auto& prefix : normalized) {
        boundaries.push_back(boundary_from_bytes(prefix.address().bytes(), false));
        if (auto end = end_after(prefix)) {
            boundaries.push_back(*end);
        }
    }
    return boundaries;
}

}  // namespace egress::nft
