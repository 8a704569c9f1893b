#include "nft/nft_batch.hpp"

// clang-format off
// netinet/in.h must precede the linux/ uapi headers, which otherwise define in_addr themselves.
#include <netinet/in.h>
// clang-format on
#include <libnftnl/common.h>
#include <linux/netfilter.h>

#include <stdexcept>

namespace egress::nft {
namespace {

constexpr size_t kHeaderRoom = 64;

}  // namespace

NftBatch::NftBatch(uint32_t first_seq) : first_seq_(first_seq) {
    append_begin();
}

void NftBatch::append_begin() {
    const size_t offset = bytes_.size();
    bytes_.resize(offset + kHeaderRoom);
    const nlmsghdr* header = nftnl_batch_begin(reinterpret_cast<char*>(bytes_.data() + offset), first_seq_);
    bytes_.resize(offset + NLMSG_ALIGN(header->nlmsg_len));
}

void NftBatch::add(uint16_t nft_type, uint16_t flags, std::string description, size_t capacity,
                   const PayloadBuilder& build_payload) {
    if (finished_) {
        throw std::logic_error("NftBatch::add after finish");
    }
    const uint32_t seq = end_seq();
    const size_t offset = bytes_.size();
    bytes_.resize(offset + kHeaderRoom + capacity);
    nlmsghdr* header = nftnl_nlmsg_build_hdr(reinterpret_cast<char*>(bytes_.data() + offset), nft_type,
                                             NFPROTO_INET, flags | NLM_F_ACK, seq);
    build_payload(header);
    const size_t length = NLMSG_ALIGN(header->nlmsg_len);
    if (length > kHeaderRoom + capacity) {
        throw std::logic_error("nftables message overflowed its buffer: " + description);
    }
    bytes_.resize(offset + length);
    descriptions_.push_back(std::move(description));
}

std::span<const uint8_t> NftBatch::finish() {
    if (!finished_) {
        const size_t offset = bytes_.size();
        bytes_.resize(offset + kHeaderRoom);
        const nlmsghdr* header = nftnl_batch_end(reinterpret_cast<char*>(bytes_.data() + offset), end_seq());
        bytes_.resize(offset + NLMSG_ALIGN(header->nlmsg_len));
        finished_ = true;
    }
    return bytes_;
}

std::string NftBatch::describe(uint32_t seq) const {
    if (seq == first_seq_) {
        return "starting the nftables transaction";
    }
    if (seq >= first_message_seq() && seq < end_seq()) {
        return descriptions_[seq - first_message_seq()];
    }
    return "nftables message " + std::to_string(seq);
}

}  // namespace egress::nft
