#include "nft/audit_log_reader.hpp"

// clang-format off
// netinet/in.h must precede the linux/ uapi headers, which otherwise define in_addr themselves.
#include <netinet/in.h>
// clang-format on
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>
#include <vector>

#include "nft/nft_error.hpp"

namespace egress::nft {
namespace {

constexpr int kReceiveBuffer = 1 << 20;

[[noreturn]] void throw_nflog_error(const std::string& what) {
    const int error = errno;
    throw NftError("nflog group socket: " + what + ": " + describe_kernel_error(error), error);
}

nlmsghdr* start_config_message(std::vector<uint8_t>& buffer, uint16_t group, uint32_t sequence) {
    nlmsghdr* header = mnl_nlmsg_put_header(buffer.data());
    header->nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;
    header->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    header->nlmsg_seq = sequence;
    auto* family = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(header, sizeof(nfgenmsg)));
    family->nfgen_family = AF_UNSPEC;
    family->version = NFNETLINK_V0;
    family->res_id = htons(group);
    return header;
}

struct PacketAttributes {
    const nlattr* payload = nullptr;
    const nlattr* prefix = nullptr;
};

int collect_attribute(const nlattr* attribute, void* data) {
    auto* attributes = static_cast<PacketAttributes*>(data);
    switch (mnl_attr_get_type(attribute)) {
        case NFULA_PAYLOAD:
            attributes->payload = attribute;
            break;
        case NFULA_PREFIX:
            attributes->prefix = attribute;
            break;
        default:
            break;
    }
    return MNL_CB_OK;
}

AuditedBy audited_by(const nlattr* prefix) {
    if (prefix == nullptr) {
        return AuditedBy::default_action;
    }
    const std::string_view text(static_cast<const char*>(mnl_attr_get_payload(prefix)),
                                mnl_attr_get_payload_len(prefix));
    return text.starts_with(kAuditRulePrefix) ? AuditedBy::rule : AuditedBy::default_action;
}

}  // namespace

AuditLogReader::AuditLogReader(uint16_t group, Listener on_connection, LossListener on_lost)
    : group_(group), on_connection_(std::move(on_connection)), on_lost_(std::move(on_lost)) {
    socket_.reset(mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC));
    if (!socket_) {
        throw_nflog_error("open");
    }
    if (mnl_socket_bind(socket_.get(), 0, MNL_SOCKET_AUTOPID) < 0) {
        throw_nflog_error("bind");
    }
    const int fd = mnl_socket_get_fd(socket_.get());
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &kReceiveBuffer, sizeof kReceiveBuffer) != 0) {
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kReceiveBuffer, sizeof kReceiveBuffer);
    }
    bind_group();
    thread_ = std::thread([this] { run(); });
}

AuditLogReader::~AuditLogReader() {
    stop_.notify();
    thread_.join();
}

// Bound and told to copy the packets' start, acknowledged before it returns.
void AuditLogReader::bind_group() {
    std::vector<uint8_t> buffer(MNL_SOCKET_BUFFER_SIZE);
    constexpr uint32_t sequence = 1;
    nlmsghdr* header = start_config_message(buffer, group_, sequence);
    const nfulnl_msg_config_cmd command{NFULNL_CFG_CMD_BIND};
    mnl_attr_put(header, NFULA_CFG_CMD, sizeof command, &command);
    const nfulnl_msg_config_mode mode{htonl(kAuditedPacketBytes), NFULNL_COPY_PACKET, 0};
    mnl_attr_put(header, NFULA_CFG_MODE, sizeof mode, &mode);
    if (mnl_socket_sendto(socket_.get(), header, header->nlmsg_len) < 0) {
        throw_nflog_error("send");
    }
    const ssize_t received = mnl_socket_recvfrom(socket_.get(), buffer.data(), buffer.size());
    if (received < 0 || mnl_cb_run(buffer.data(), static_cast<size_t>(received), sequence,
                                   mnl_socket_get_portid(socket_.get()), nullptr, nullptr) < 0) {
        throw_nflog_error("bind group " + std::to_string(group_));
    }
}

void AuditLogReader::run() {
    std::vector<uint8_t> buffer(MNL_SOCKET_BUFFER_SIZE);
    pollfd watched[2] = {{mnl_socket_get_fd(socket_.get()), POLLIN, 0}, {stop_.fd(), POLLIN, 0}};
    while (true) {
        if (::poll(watched, 2, -1) < 0) {
            continue;  // EINTR
        }
        if (watched[1].revents != 0) {
            return;
        }
        sockaddr_nl sender{};
        socklen_t sender_length = sizeof sender;
        const ssize_t received = ::recvfrom(watched[0].fd, buffer.data(), buffer.size(), MSG_DONTWAIT,
                                            reinterpret_cast<sockaddr*>(&sender), &sender_length);
        if (received > 0 && sender.nl_pid == 0) {  // from the kernel, not a process posing as it
            dispatch({buffer.data(), static_cast<size_t>(received)});
        } else if (received < 0 && errno == ENOBUFS) {
            on_lost_();  // the kernel dropped records while this thread was behind
        }
    }
}

void AuditLogReader::dispatch(std::span<const uint8_t> datagram) {
    auto* header = reinterpret_cast<const nlmsghdr*>(datagram.data());
    int remaining = static_cast<int>(datagram.size());
    for (; mnl_nlmsg_ok(header, remaining); header = mnl_nlmsg_next(header, &remaining)) {
        if (header->nlmsg_type != ((NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET)) {
            continue;
        }
        PacketAttributes attributes;
        if (mnl_attr_parse(header, sizeof(nfgenmsg), collect_attribute, &attributes) < 0 ||
            attributes.payload == nullptr) {
            continue;
        }
        const std::span<const uint8_t> packet(
            static_cast<const uint8_t*>(mnl_attr_get_payload(attributes.payload)),
            mnl_attr_get_payload_len(attributes.payload));
        if (const auto connection = read_audited_packet(packet, audited_by(attributes.prefix))) {
            on_connection_(*connection);
        }
    }
}

}  // namespace egress::nft
