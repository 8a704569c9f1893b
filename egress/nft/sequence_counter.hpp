#pragma once

#include <cstdint>
#include <ctime>

namespace egress::nft {

// Netlink sequence numbers for one socket: each batch reserves a contiguous block.
class SequenceCounter {
  public:
    // Starting from the clock (as nft does) keeps numbers distinct across restarts in kernel logs.
    SequenceCounter() : next_(static_cast<uint32_t>(std::time(nullptr)) & 0x7fffffffu) {}

    // The first number of a block large enough for any batch we build; wraps before overflow.
    uint32_t reserve_block() {
        if (next_ > kWrapAt) {
            next_ = 1;
        }
        const uint32_t first = next_;
        next_ += kBlock;
        return first;
    }

  private:
    static constexpr uint32_t kBlock = 1u << 20;
    static constexpr uint32_t kWrapAt = 0xffffffffu - 2 * kBlock;
    uint32_t next_;
};

}  // namespace egress::nft
