#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "nft/nft_batch.hpp"

namespace egress::nft {

// One message the kernel refused.
struct KernelFailure {
    uint32_t seq = 0;
    int error = 0;
    std::string description;     // what the message did, from NftBatch::describe
    std::string kernel_message;  // extended-ack text, often empty
};

// Collects the acknowledgements of one sent batch. Complete once every message is acknowledged,
// or as soon as the kernel refuses the batch as a whole (an error on BATCH_BEGIN: no permission,
// nf_tables missing, out of memory).
class BatchAcks {
  public:
    explicit BatchAcks(const NftBatch& batch);

    // True when `seq` is one of this batch's sequence numbers.
    bool owns(uint32_t seq) const { return seq >= begin_seq_ && seq <= end_seq_; }
    // Feeds one NLMSG_ERROR message (ack or error) that this batch owns.
    void on_ack(const nlmsghdr& message);
    bool complete() const { return refused_ || acknowledged_ == message_count_; }
    bool succeeded() const { return complete() && failures_.empty(); }
    const std::vector<KernelFailure>& failures() const { return failures_; }
    // "adding element 10.0.0.0/8 to set allow_v4: File exists" (+ how many other messages failed).
    std::string failure_summary() const;

  private:
    const NftBatch* batch_;
    uint32_t begin_seq_;
    uint32_t end_seq_;
    size_t message_count_;
    size_t acknowledged_ = 0;
    bool refused_ = false;
    std::vector<KernelFailure> failures_;
};

// Calls `visit` for each netlink message in one received datagram.
template <typename Visitor>
void for_each_netlink_message(std::span<const uint8_t> datagram, Visitor&& visit) {
    auto* message = reinterpret_cast<const nlmsghdr*>(datagram.data());
    int remaining = static_cast<int>(datagram.size());
    while (NLMSG_OK(message, remaining)) {
        visit(*message);
        message = NLMSG_NEXT(message, remaining);
    }
}

}  // namespace egress::nft
