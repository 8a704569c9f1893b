#include "nft/learned_removal.hpp"

#include <algorithm>
#include <iterator>
#include <vector>

#include "nft/ruleset_names.hpp"
#include "nft/set_elements.hpp"

namespace egress::nft {

void remove_learned_elements(NftBatch& batch, const Revocation& removed) {
    for (const common::IpFamily family : {common::IpFamily::v4, common::IpFamily::v6}) {
        std::vector<common::IpAddress> addresses;
        std::copy_if(removed.addresses.begin(), removed.addresses.end(), std::back_inserter(addresses),
                     [&](const common::IpAddress& address) { return address.family() == family; });
        if (!addresses.empty()) {
            remove_address_elements(batch, ElementOperation::remove_if_present, names::dyn_allow(family),
                                    addresses);
        }
        std::vector<PortedAddress> ported;
        std::copy_if(removed.ported.begin(), removed.ported.end(), std::back_inserter(ported),
                     [&](const PortedAddress& entry) { return entry.address.family() == family; });
        if (!ported.empty()) {
            remove_ported_elements(batch, ElementOperation::remove_if_present, names::dyn_port_allow(family),
                                   ported);
        }
    }
}

}  // namespace egress::nft
