#include "nft/transaction.hpp"

#include <poll.h>

#include <array>
#include <cerrno>
#include <string>
#include <vector>

#include "nft/batch_acks.hpp"
#include "nft/nft_error.hpp"

namespace egress::nft {
namespace {

using Clock = std::chrono::steady_clock;

// Waits until the socket is readable; false on timeout.
bool wait_readable(int fd, Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd entry{fd, POLLIN, 0};
    const int ready = ::poll(&entry, 1, static_cast<int>(std::max<int64_t>(left.count(), 0)));
    return ready > 0;
}

}  // namespace

void commit(NetlinkSocket& socket, NftBatch& batch, std::string_view context,
            std::chrono::milliseconds timeout) {
    const std::string prefix = std::string(context) + ": ";
    if (batch.empty()) {
        return;
    }
    socket.send(batch.finish());
    BatchAcks acks(batch);
    std::vector<uint8_t> buffer(64 * 1024);
    const auto deadline = Clock::now() + timeout;
    while (!acks.complete()) {
        if (!wait_readable(socket.fd(), deadline)) {
            throw NftError(prefix + "no acknowledgement from the kernel within " +
                               std::to_string(timeout.count()) + " ms",
                           ETIMEDOUT);
        }
        const ptrdiff_t received = socket.receive(buffer);
        if (received == -EAGAIN || received == -EINTR) {
            continue;
        }
        if (received < 0) {
            throw NftError(
                prefix + "reading acknowledgements: " + describe_kernel_error(static_cast<int>(-received)),
                static_cast<int>(-received));
        }
        for_each_netlink_message(std::span<const uint8_t>(buffer.data(), static_cast<size_t>(received)),
                                 [&](const nlmsghdr& message) {
                                     if (acks.owns(message.nlmsg_seq)) {
                                         acks.on_ack(message);
                                     }
                                 });
    }
    if (!acks.succeeded()) {
        throw NftError(prefix + acks.failure_summary(), acks.failures().front().error);
    }
}

}  // namespace egress::nft
