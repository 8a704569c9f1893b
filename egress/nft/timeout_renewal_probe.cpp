#include "nft/timeout_renewal_probe.hpp"

#include <algorithm>
#include <array>

#include "nft/nft_batch.hpp"
#include "nft/ruleset_names.hpp"
#include "nft/set_element_dump.hpp"
#include "nft/set_elements.hpp"
#include "nft/transaction.hpp"

namespace egress::nft {

TimeoutRenewal probe_timeout_renewal(NetlinkSocket& socket, SequenceCounter& sequence) {
    using namespace std::chrono_literals;
    const auto probe = common::IpAddress::from_v4({192, 0, 2, 1});
    const std::array<TimedAddress, 1> short_lived{TimedAddress{probe, 1s, {}}};
    const std::array<TimedAddress, 1> long_lived{TimedAddress{probe, 3600s, {}}};
    NftBatch batch(sequence.reserve_block());
    add_timed_elements(batch, names::kDynSeenV4, short_lived);
    add_timed_elements(batch, names::kDynSeenV4, long_lived);
    commit(socket, batch, "probing how the kernel renews element timeouts");
    const auto listed = list_set_elements(socket, sequence, names::kDynSeenV4);
    NftBatch cleanup(sequence.reserve_block());
    const std::array<common::IpAddress, 1> probes{probe};
    remove_address_elements(cleanup, ElementOperation::remove, names::kDynSeenV4, probes);
    commit(socket, cleanup, "removing the element timeout probe");
    const bool renewed = std::any_of(listed.begin(), listed.end(), [&](const ListedElement& entry) {
        return entry.address == probe && entry.expires_in > 60s;
    });
    return renewed ? TimeoutRenewal::in_place : TimeoutRenewal::delete_and_add;
}

}  // namespace egress::nft
