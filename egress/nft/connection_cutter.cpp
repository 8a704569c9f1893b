#include "nft/connection_cutter.hpp"

// clang-format off
// netinet/in.h must precede the linux/ uapi headers, which otherwise define in_addr themselves.
#include <netinet/in.h>
// clang-format on
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "nft/nft_error.hpp"
#include "nft/ruleset_names.hpp"

namespace egress::nft {
namespace {

// Dump datagrams grow up to 32 KiB when the reader offers that much room.
constexpr size_t kConntrackBuffer = 32 * 1024;

[[noreturn]] void throw_conntrack_error(const std::string& what, int error) {
    throw NftError("conntrack: " + what + ": " + describe_kernel_error(error), error);
}

// An attribute as received, sent back unchanged (its nested flag included).
struct RawConntrackAttribute {
    uint16_t type = 0;
    std::vector<uint8_t> payload;
};

RawConntrackAttribute copy_conntrack_attribute(const nlattr* attribute) {
    const auto* payload = static_cast<const uint8_t*>(mnl_attr_get_payload(attribute));
    return {attribute->nla_type, {payload, payload + mnl_attr_get_payload_len(attribute)}};
}

// One entry to mark: its original tuple (and zone) identify it to IPCTNL_MSG_CT_NEW.
struct ConntrackEntry {
    uint8_t family = AF_UNSPEC;
    common::IpAddress destination;
    RawConntrackAttribute original_tuple;
    std::optional<RawConntrackAttribute> zone;
};

template <size_t Count>
using ConntrackAttributes = std::array<const nlattr*, Count>;

template <size_t Count>
int collect_conntrack_attribute(const nlattr* attribute, void* data) {
    auto& table = *static_cast<ConntrackAttributes<Count>*>(data);
    const uint16_t type = mnl_attr_get_type(attribute);
    if (type < Count) {
        table[type] = attribute;
    }
    return MNL_CB_OK;
}

template <size_t Count>
ConntrackAttributes<Count> nested_conntrack_attributes(const nlattr* nest) {
    ConntrackAttributes<Count> table{};
    if (nest != nullptr) {
        mnl_attr_parse_nested(nest, collect_conntrack_attribute<Count>, &table);
    }
    return table;
}

std::optional<common::IpAddress> original_destination(const ConntrackAttributes<CTA_IP_MAX + 1>& ip) {
    if (const nlattr* v4 = ip[CTA_IP_V4_DST]; v4 != nullptr && mnl_attr_get_payload_len(v4) == 4) {
        std::array<uint8_t, 4> bytes;
        std::memcpy(bytes.data(), mnl_attr_get_payload(v4), bytes.size());
        return common::IpAddress::from_v4(bytes);
    }
    if (const nlattr* v6 = ip[CTA_IP_V6_DST]; v6 != nullptr && mnl_attr_get_payload_len(v6) == 16) {
        std::array<uint8_t, 16> bytes;
        std::memcpy(bytes.data(), mnl_attr_get_payload(v6), bytes.size());
        return common::IpAddress::from_v6(bytes);
    }
    return std::nullopt;
}

std::optional<L4Port> original_port(const ConntrackAttributes<CTA_PROTO_MAX + 1>& proto) {
    const nlattr* number = proto[CTA_PROTO_NUM];
    const nlattr* port = proto[CTA_PROTO_DST_PORT];
    if (number == nullptr || port == nullptr || mnl_attr_validate(number, MNL_TYPE_U8) < 0 ||
        mnl_attr_validate(port, MNL_TYPE_U16) < 0) {
        return std::nullopt;  // no ports (ICMP, ...)
    }
    return L4Port{mnl_attr_get_u8(number), ntohs(mnl_attr_get_u16(port))};
}

// The revoked destinations, sorted for lookup by every entry of the table.
class RevokedDestinations {
  public:
    explicit RevokedDestinations(const Revocation& revoked)
        : addresses_(revoked.addresses), ported_(revoked.ported) {
        std::ranges::sort(addresses_);
        std::ranges::sort(ported_);
    }

    bool cover(const common::IpAddress& destination, const std::optional<L4Port>& port) const {
        return std::ranges::binary_search(addresses_, destination) ||
               (port && std::ranges::binary_search(ported_, PortedAddress{destination, *port}));
    }

  private:
    std::vector<common::IpAddress> addresses_;
    std::vector<PortedAddress> ported_;
};

struct ConntrackDumpState {
    const RevokedDestinations& revoked;
    std::vector<ConntrackEntry> matching;
};

int collect_revoked_entry(const nlmsghdr* header, void* data) {
    auto& state = *static_cast<ConntrackDumpState*>(data);
    ConntrackAttributes<CTA_MAX + 1> top{};
    if (mnl_attr_parse(header, sizeof(nfgenmsg), collect_conntrack_attribute<CTA_MAX + 1>, &top) < 0 ||
        top[CTA_TUPLE_ORIG] == nullptr) {
        return MNL_CB_OK;
    }
    const auto tuple = nested_conntrack_attributes<CTA_TUPLE_MAX + 1>(top[CTA_TUPLE_ORIG]);
    const auto destination =
        original_destination(nested_conntrack_attributes<CTA_IP_MAX + 1>(tuple[CTA_TUPLE_IP]));
    const auto port = original_port(nested_conntrack_attributes<CTA_PROTO_MAX + 1>(tuple[CTA_TUPLE_PROTO]));
    const bool cut_already = top[CTA_MARK] != nullptr &&
                             mnl_attr_validate(top[CTA_MARK], MNL_TYPE_U32) >= 0 &&
                             (ntohl(mnl_attr_get_u32(top[CTA_MARK])) & names::kRevokedConnectionMark) != 0;
    if (!destination || cut_already || !state.revoked.cover(*destination, port)) {
        return MNL_CB_OK;
    }
    const auto* family = static_cast<const nfgenmsg*>(mnl_nlmsg_get_payload(header));
    ConntrackEntry entry{
        family->nfgen_family, *destination, copy_conntrack_attribute(top[CTA_TUPLE_ORIG]), {}};
    if (top[CTA_ZONE] != nullptr) {
        entry.zone = copy_conntrack_attribute(top[CTA_ZONE]);
    }
    state.matching.push_back(std::move(entry));
    return MNL_CB_OK;
}

nlmsghdr* put_conntrack_request(std::vector<uint8_t>& buffer, uint8_t message, uint16_t flags, uint8_t family,
                                uint32_t sequence) {
    nlmsghdr* header = mnl_nlmsg_put_header(buffer.data());
    header->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | message;
    header->nlmsg_flags = NLM_F_REQUEST | flags;
    header->nlmsg_seq = sequence;
    auto* generic = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(header, sizeof(nfgenmsg)));
    generic->nfgen_family = family;
    generic->version = NFNETLINK_V0;
    generic->res_id = 0;
    return header;
}

// Runs the answers to request `sequence` through `callback` until the kernel's last one: MNL_CB_STOP,
// or MNL_CB_ERROR with errno set.
int run_conntrack_answers(NetlinkSocket& socket, std::vector<uint8_t>& buffer, uint32_t sequence,
                          mnl_cb_t callback, void* data) {
    while (true) {
        const ptrdiff_t received = socket.receive(buffer);
        if (received == -EINTR) {
            continue;
        }
        if (received < 0) {
            errno = static_cast<int>(-received);
            return MNL_CB_ERROR;
        }
        const int result = mnl_cb_run(buffer.data(), static_cast<size_t>(received), sequence,
                                      socket.port_id(), callback, data);
        if (result == MNL_CB_ERROR && errno == ESRCH) {
            continue;  // left over from an earlier request that failed midway
        }
        if (result != MNL_CB_OK) {
            return result;
        }
    }
}

}  // namespace

ConnectionCutter::ConnectionCutter() : socket_(NetlinkSocket::Mode::blocking) {}

size_t ConnectionCutter::cut(const Revocation& revoked) {
    if (revoked.empty()) {
        return 0;
    }
    const RevokedDestinations destinations(revoked);
    std::vector<uint8_t> buffer(kConntrackBuffer);

    // The whole dump first, then the changes, each on its own.
    ConntrackDumpState state{destinations, {}};
    const uint32_t dump_sequence = ++sequence_;
    const nlmsghdr* dump =
        put_conntrack_request(buffer, IPCTNL_MSG_CT_GET, NLM_F_DUMP, AF_UNSPEC, dump_sequence);
    socket_.send({buffer.data(), dump->nlmsg_len});
    if (run_conntrack_answers(socket_, buffer, dump_sequence, collect_revoked_entry, &state) ==
        MNL_CB_ERROR) {
        throw_conntrack_error("reading the connection table", errno);
    }

    size_t marked = 0;
    for (const ConntrackEntry& entry : state.matching) {
        const uint32_t sequence = ++sequence_;
        // Without NLM_F_CREATE: changes the existing entry only (ENOENT once it is gone).
        nlmsghdr* request =
            put_conntrack_request(buffer, IPCTNL_MSG_CT_NEW, NLM_F_ACK, entry.family, sequence);
        mnl_attr_put(request, entry.original_tuple.type, entry.original_tuple.payload.size(),
                     entry.original_tuple.payload.data());
        if (entry.zone) {
            mnl_attr_put(request, entry.zone->type, entry.zone->payload.size(), entry.zone->payload.data());
        }
        mnl_attr_put_u32(request, CTA_MARK, htonl(names::kRevokedConnectionMark));
        mnl_attr_put_u32(request, CTA_MARK_MASK,
                         htonl(names::kRevokedConnectionMark));  // the other bits kept
        socket_.send({buffer.data(), request->nlmsg_len});
        if (run_conntrack_answers(socket_, buffer, sequence, nullptr, nullptr) != MNL_CB_ERROR) {
            ++marked;
        } else if (errno != ENOENT) {  // ENOENT: the connection ended meanwhile
            throw_conntrack_error("marking a connection to " + entry.destination.to_string(), errno);
        }
    }
    return marked;
}

}  // namespace egress::nft
