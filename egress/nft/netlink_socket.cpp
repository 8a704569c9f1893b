#include "nft/netlink_socket.hpp"

#include <linux/netlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "nft/nft_error.hpp"

namespace egress::nft {
namespace {

constexpr size_t kMinimumBuffer = 1 << 20;

[[noreturn]] void throw_socket_error(const std::string& what) {
    const int error = errno;
    throw NftError("nftables netlink socket: " + what + ": " + describe_kernel_error(error), error);
}

void set_buffer(int fd, int force_option, int option, size_t bytes) {
    const int size = static_cast<int>(bytes);
    if (setsockopt(fd, SOL_SOCKET, force_option, &size, sizeof size) != 0) {
        setsockopt(fd, SOL_SOCKET, option, &size, sizeof size);
    }
}

void enable_option(int fd, int option) {
    const int on = 1;
    // Both options only make acknowledgements smaller or more informative; old kernels lack them.
    setsockopt(fd, SOL_NETLINK, option, &on, sizeof on);
}

}  // namespace

NetlinkSocket::NetlinkSocket(Mode mode) {
    const int flags = SOCK_CLOEXEC | (mode == Mode::non_blocking ? SOCK_NONBLOCK : 0);
    socket_.reset(mnl_socket_open2(NETLINK_NETFILTER, flags));
    if (!socket_) {
        throw_socket_error("open");
    }
    if (mnl_socket_bind(socket_.get(), 0, MNL_SOCKET_AUTOPID) < 0) {
        throw_socket_error("bind");
    }
    enable_option(fd(), NETLINK_CAP_ACK);
    enable_option(fd(), NETLINK_EXT_ACK);
    set_buffer(fd(), SO_RCVBUFFORCE, SO_RCVBUF, kMinimumBuffer);
    ensure_send_buffer(kMinimumBuffer);
}

int NetlinkSocket::fd() const {
    return mnl_socket_get_fd(socket_.get());
}

uint32_t NetlinkSocket::port_id() const {
    return mnl_socket_get_portid(socket_.get());
}

void NetlinkSocket::ensure_send_buffer(size_t bytes) {
    if (bytes <= send_buffer_) {
        return;
    }
    // netlink_sendmsg() rejects a message larger than the send buffer, and a batch is one message.
    set_buffer(fd(), SO_SNDBUFFORCE, SO_SNDBUF, bytes + 4096);
    send_buffer_ = bytes;
}

void NetlinkSocket::send(std::span<const uint8_t> bytes) {
    ensure_send_buffer(bytes.size());
    const ssize_t sent = mnl_socket_sendto(socket_.get(), bytes.data(), bytes.size());
    if (sent < 0) {
        throw_socket_error("sending a batch of " + std::to_string(bytes.size()) + " bytes");
    }
}

ptrdiff_t NetlinkSocket::receive(std::span<uint8_t> buffer) {
    const ssize_t received = mnl_socket_recvfrom(socket_.get(), buffer.data(), buffer.size());
    return received < 0 ? -errno : received;
}

}  // namespace egress::nft
