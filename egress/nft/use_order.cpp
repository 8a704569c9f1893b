#include "nft/use_order.hpp"

namespace egress::nft {

uint64_t UseOrder::touch(const common::IpAddress& address) {
    auto [entry, inserted] = position_.try_emplace(address);
    if (inserted) {
        order_.push_front(address);
    } else {
        order_.splice(order_.begin(), order_, entry->second.first);
    }
    entry->second = {order_.begin(), ++uses_};
    return uses_;
}

void UseOrder::forget(const common::IpAddress& address) {
    if (const auto entry = position_.find(address); entry != position_.end()) {
        order_.erase(entry->second.first);
        position_.erase(entry);
    }
}

uint64_t UseOrder::last_use(const common::IpAddress& address) const {
    const auto entry = position_.find(address);
    return entry == position_.end() ? 0 : entry->second.second;
}

}  // namespace egress::nft
