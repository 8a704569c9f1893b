#pragma once

#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace egress::nft {

// One nf_tables transaction being assembled: a BATCH_BEGIN, messages that each ask for an
// acknowledgement, and a BATCH_END once finished. Every message keeps a human description
// ("adding element 10.0.0.0/8 to set allow_v4") so a kernel error can be reported in words.
class NftBatch {
  public:
    // Writes the payload of a message whose header is already in place.
    using PayloadBuilder = std::function<void(nlmsghdr* message)>;

    // Sequence numbers first_seq, first_seq + 1, ... are used for begin, messages and end.
    explicit NftBatch(uint32_t first_seq);

    // `capacity` bounds the payload size; libnftnl writes without bounds checks.
    void add(uint16_t nft_type, uint16_t flags, std::string description, size_t capacity,
             const PayloadBuilder& build_payload);
    // Appends BATCH_END; add() must not be called afterwards.
    std::span<const uint8_t> finish();

    uint32_t begin_seq() const { return first_seq_; }
    // Sequence numbers of the messages between begin and end (each acknowledged by the kernel).
    uint32_t first_message_seq() const { return first_seq_ + 1; }
    size_t message_count() const { return descriptions_.size(); }
    uint32_t end_seq() const { return first_seq_ + 1 + static_cast<uint32_t>(descriptions_.size()); }
    // The description of the message with this sequence number, or a generic text.
    std::string describe(uint32_t seq) const;
    bool empty() const { return descriptions_.empty(); }

  private:
    void append_begin();

    uint32_t first_seq_;
    std::vector<uint8_t> bytes_;
    std::vector<std::string> descriptions_;
    bool finished_ = false;
};

}  // namespace egress::nft
