#include "dns/datagram_receiver.hpp"

namespace egress::dns {

DatagramReceiver::DatagramReceiver(size_t batch_size)
    : buffers_(std::make_unique_for_overwrite<uint8_t[]>(batch_size * kMaxDatagram)),
      headers_(batch_size),
      vectors_(batch_size),
      senders_(batch_size) {
    for (size_t i = 0; i < batch_size; ++i) {
        vectors_[i] = iovec{buffers_.get() + i * kMaxDatagram, kMaxDatagram};
        headers_[i].msg_hdr.msg_iov = &vectors_[i];
        headers_[i].msg_hdr.msg_iovlen = 1;
        headers_[i].msg_hdr.msg_name = &senders_[i];
        headers_[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
    }
}

size_t DatagramReceiver::receive(int socket) {
    for (size_t i = 0; i < filled_; ++i) {
        headers_[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);  // the kernel shrank it to the sender's
    }
    const int received =
        recvmmsg(socket, headers_.data(), static_cast<unsigned>(headers_.size()), MSG_DONTWAIT, nullptr);
    filled_ = received > 0 ? static_cast<size_t>(received) : 0;
    return filled_;
}

std::span<const uint8_t> DatagramReceiver::datagram(size_t index) const {
    return std::span<const uint8_t>(buffers_.get() + index * kMaxDatagram, headers_[index].msg_len);
}

}  // namespace egress::dns
