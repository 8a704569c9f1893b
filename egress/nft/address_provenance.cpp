#include "nft/address_provenance.hpp"

#include <algorithm>

namespace egress::nft {

void AddressProvenance::record(std::string_view name, std::span<const common::IpAddress> addresses,
                               Clock::time_point expires) {
    std::lock_guard lock(mutex_);
    for (const auto& address : addresses) {
        auto& names = names_by_address_[address];
        auto [entry, inserted] = names.try_emplace(std::string(name), expires);
        if (!inserted) {
            // A later answer can carry a shorter TTL; the kernel now holds the newer timeout.
            entry->second = expires;
        }
    }
}

std::vector<common::IpAddress> AddressProvenance::addresses_to_revoke(const NameAllowed& allowed,
                                                                      Clock::time_point now) {
    std::vector<common::IpAddress> revoked;
    std::lock_guard lock(mutex_);
    for (auto address = names_by_address_.begin(); address != names_by_address_.end();) {
        std::erase_if(address->second, [&](const auto& entry) { return entry.second <= now; });
        if (address->second.empty()) {
            address = names_by_address_.erase(address);
            continue;
        }
        const bool all_denied = std::none_of(address->second.begin(), address->second.end(),
                                             [&](const auto& entry) { return allowed(entry.first); });
        if (all_denied) {
            revoked.push_back(address->first);
        }
        ++address;
    }
    return revoked;
}

void AddressProvenance::forget(std::span<const common::IpAddress> addresses) {
    std::lock_guard lock(mutex_);
    for (const auto& address : addresses) {
        names_by_address_.erase(address);
    }
}

std::vector<std::string> AddressProvenance::names_of(const common::IpAddress& address) const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> names;
    if (const auto found = names_by_address_.find(address); found != names_by_address_.end()) {
        for (const auto& entry : found->second) {
            names.push_back(entry.first);
        }
    }
    return names;
}

size_t AddressProvenance::size() const {
    std::lock_guard lock(mutex_);
    return names_by_address_.size();
}

}  // namespace egress::nft
