#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "common/ip_address.hpp"
#include "common/ip_prefix.hpp"
#include "nft/batch_messages.hpp"
#include "nft/element_timeout.hpp"
#include "nft/netlink_objects.hpp"
#include "nft/nft_batch.hpp"
#include "nft/port_grant.hpp"

namespace egress::nft {

// An address for a timeout set, with its own element timeout and the name it was learned for
// (kept in the element's comment, so a restarted egress knows it; empty: none).
struct TimedAddress {
    common::IpAddress address;
    std::chrono::seconds timeout;
    std::string_view owner;
};

// A learned address on one port with its element timeout and name.
struct TimedPortedAddress {
    PortedAddress element;
    std::chrono::seconds timeout;
    std::string_view owner;
};

// The longest name an element's comment holds (nft's limit, with the terminating NUL).
inline constexpr size_t kMaxOwnerLength = 127;

// A reference to a set of table inet opensandbox for element messages; set_id: the set is created
// in the same batch.
SetPtr make_set_reference(std::string_view set_name, std::optional<uint32_t> set_id);

// Adds (or deletes) the ranges of normalised `prefixes` to an interval set, in messages small
// enough for the kernel's 64 KiB attribute limit. set_id: the set is created in this batch.
void put_interval_elements(NftBatch& batch, ElementOperation operation, std::string_view set_name,
                           std::optional<uint32_t> set_id, std::span<const common::IpPrefix> prefixes);

// Adds addresses to a timeout set, each with its timeout (one message per call, three with
// delete_and_add), restarting the countdown of those already there.
void add_timed_elements(NftBatch& batch, std::string_view set_name, std::span<const TimedAddress> addresses,
                        TimeoutRenewal renewal = TimeoutRenewal::in_place);

// Deletes addresses from a plain set; with remove_if_present, absent ones are not an error.
void remove_address_elements(NftBatch& batch, ElementOperation operation, std::string_view set_name,
                             std::span<const common::IpAddress> addresses);

// The key of an `ipv4_addr . inet_proto . inet_service` (or ipv6_addr) element: each field in its
// own 32-bit register, zero-padded, as nft lays concatenations out.
std::vector<uint8_t> ported_key(const common::IpAddress& address, L4Port port);

// Adds (or deletes) ported prefixes to a concatenated interval set: one element per prefix, from
// its first to its last address (key and key end), in messages of bounded size.
void put_ported_interval_elements(NftBatch& batch, ElementOperation operation, std::string_view set_name,
                                  std::optional<uint32_t> set_id, std::span<const PortedPrefix> prefixes);

// Adds learned addresses on ports to a timeout set of concatenations, each with its timeout,
// restarting the countdown of those already there.
void add_timed_ported_elements(NftBatch& batch, std::string_view set_name,
                               std::span<const TimedPortedAddress> elements,
                               TimeoutRenewal renewal = TimeoutRenewal::in_place);

// Deletes addresses on ports from a set of concatenations.
void remove_ported_elements(NftBatch& batch, ElementOperation operation, std::string_view set_name,
                            std::span<const PortedAddress> elements);

}  // namespace egress::nft
