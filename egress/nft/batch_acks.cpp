#include "nft/batch_acks.hpp"

#include <libmnl/libmnl.h>

#include "nft/nft_error.hpp"

namespace egress::nft {
namespace {

// The NLMSGERR_ATTR_MSG text of an extended ack, when the kernel attached one.
std::string extended_ack_message(const nlmsghdr& message, const nlmsgerr& error) {
    if (!(message.nlmsg_flags & NLM_F_ACK_TLVS)) {
        return {};
    }
    const size_t echoed = (message.nlmsg_flags & NLM_F_CAPPED) ? sizeof(nlmsghdr) : error.msg.nlmsg_len;
    const size_t offset = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(nlmsgerr) - sizeof(nlmsghdr) + echoed);
    if (offset >= message.nlmsg_len) {
        return {};
    }
    const auto* base = reinterpret_cast<const uint8_t*>(&message);
    auto* attribute = reinterpret_cast<const nlattr*>(base + offset);
    int remaining = static_cast<int>(message.nlmsg_len - offset);
    while (mnl_attr_ok(attribute, remaining)) {
        if (mnl_attr_get_type(attribute) == NLMSGERR_ATTR_MSG) {
            return mnl_attr_get_str(attribute);
        }
        attribute = mnl_attr_next(attribute);
        remaining =
            static_cast<int>(message.nlmsg_len - (reinterpret_cast<const uint8_t*>(attribute) - base));
    }
    return {};
}

}  // namespace

BatchAcks::BatchAcks(const NftBatch& batch)
    : batch_(&batch),
      begin_seq_(batch.begin_seq()),
      end_seq_(batch.end_seq()),
      message_count_(batch.message_count()) {}

void BatchAcks::on_ack(const nlmsghdr& message) {
    if (message.nlmsg_type != NLMSG_ERROR || message.nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr))) {
        return;
    }
    const auto& error = *static_cast<const nlmsgerr*>(NLMSG_DATA(&message));
    if (error.error != 0) {
        failures_.push_back(KernelFailure{message.nlmsg_seq, -error.error,
                                          batch_->describe(message.nlmsg_seq),
                                          extended_ack_message(message, error)});
    }
    if (message.nlmsg_seq == begin_seq_ || message.nlmsg_seq == end_seq_) {
        refused_ = refused_ || error.error != 0;
        return;
    }
    ++acknowledged_;
}

std::string BatchAcks::failure_summary() const {
    if (failures_.empty()) {
        return {};
    }
    const KernelFailure& first = failures_.front();
    std::string text = first.description + ": " + describe_kernel_error(first.error);
    if (!first.kernel_message.empty()) {
        text += " (" + first.kernel_message + ")";
    }
    if (failures_.size() > 1) {
        text += " (and " + std::to_string(failures_.size() - 1) + " more failed messages)";
    }
    return text;
}

}  // namespace egress::nft
