#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.hpp"

namespace egress::nft {

// Which names each learned address was resolved for, and until when, so a policy change can
// revoke addresses whose every name is now denied. Thread-safe; every call holds the lock only
// for the map operation itself (the DNS path records, the policy path queries).
class AddressProvenance {
  public:
    using Clock = std::chrono::steady_clock;
    using NameAllowed = std::function<bool(std::string_view name)>;

    void record(std::string_view name, std::span<const common::IpAddress> addresses,
                Clock::time_point expires);
    // Addresses with at least one unexpired name, all of whose unexpired names `allowed` rejects.
    // Expired entries are dropped on the way.
    std::vector<common::IpAddress> addresses_to_revoke(const NameAllowed& allowed, Clock::time_point now);
    void forget(std::span<const common::IpAddress> addresses);
    std::vector<std::string> names_of(const common::IpAddress& address) const;
    size_t size() const;

  private:
    using NameExpiry = std::map<std::string, Clock::time_point, std::less<>>;

    mutable std::mutex mutex_;
    std::map<common::IpAddress, NameExpiry> names_by_address_;
};

}  // namespace egress::nft
