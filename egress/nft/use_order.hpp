#pragma once

#include <cstdint>
#include <list>
#include <map>

#include "common/ip_address.hpp"

namespace egress::nft {

// Addresses in the order they were last used (learned from an answer, or marked by traffic), so
// the least recently used can be given up first. Each use gets a number; later uses, higher ones.
// Not thread-safe.
class UseOrder {
  public:
    // Records a use now; returns its number.
    uint64_t touch(const common::IpAddress& address);
    void forget(const common::IpAddress& address);
    // The number of the address's last use (0: never used).
    uint64_t last_use(const common::IpAddress& address) const;
    // The least recently used address; the order must not be empty.
    const common::IpAddress& least_recent() const { return order_.back(); }
    bool empty() const { return order_.empty(); }

  private:
    std::list<common::IpAddress> order_;  // most recent first
    std::map<common::IpAddress, std::pair<std::list<common::IpAddress>::iterator, uint64_t>> position_;
    uint64_t uses_ = 0;
};

}  // namespace egress::nft
