#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "common/ip_address.hpp"
#include "common/ip_prefix.hpp"
#include "nft/batch_messages.hpp"
#include "nft/nft_batch.hpp"

namespace egress::nft {

// An address for a timeout set, with its own element timeout.
struct TimedAddress {
    common::IpAddress address;
    std::chrono::seconds timeout;
};

// Adds (or deletes) the ranges of normalised `prefixes` to an interval set, in messages small
// enough for the kernel's 64 KiB attribute limit. set_id: the set is created in this batch.
void put_interval_elements(NftBatch& batch, ElementOperation operation, std::string_view set_name,
                           std::optional<uint32_t> set_id, std::span<const common::IpPrefix> prefixes);

// Adds addresses to a timeout set, each with its timeout (one message per call).
void add_timed_elements(NftBatch& batch, std::string_view set_name, std::span<const TimedAddress> addresses);

// Deletes addresses from a plain set; with remove_if_present, absent ones are not an error.
void remove_address_elements(NftBatch& batch, ElementOperation operation, std::string_view set_name,
                             std::span<const common::IpAddress> addresses);

}  // namespace egress::nft
