#include "nft/set_element_dump.hpp"

// clang-format off
// netinet/in.h must precede the linux/ uapi headers, which otherwise define in_addr themselves.
#include <netinet/in.h>
// clang-format on
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <poll.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <new>
#include <string>

#include "nft/netlink_objects.hpp"
#include "nft/nft_error.hpp"
#include "nft/ruleset_names.hpp"
#include "nft/set_elements.hpp"

namespace egress::nft {
namespace {

using Clock = std::chrono::steady_clock;

common::IpAddress address_from(const uint8_t* bytes, size_t length) {
    std::array<uint8_t, 16> copy{};
    std::copy(bytes, bytes + length, copy.begin());
    return length == 4 ? common::IpAddress::from_v4({copy[0], copy[1], copy[2], copy[3]})
                       : common::IpAddress::from_v6(copy);
}

// The comment nft and egress put in an element's user data.
std::string comment_of(nftnl_set_elem& element) {
    if (!nftnl_set_elem_is_set(&element, NFTNL_SET_ELEM_USERDATA)) {
        return "";
    }
    uint32_t length = 0;
    const void* data = nftnl_set_elem_get(&element, NFTNL_SET_ELEM_USERDATA, &length);
    std::string comment;
    nftnl_udata_parse(
        data, length,
        [](const nftnl_udata* attribute, void* into) {
            if (nftnl_udata_type(attribute) == NFTNL_UDATA_SET_ELEM_COMMENT &&
                nftnl_udata_len(attribute) > 0) {
                const auto* text = static_cast<const char*>(nftnl_udata_get(attribute));
                static_cast<std::string*>(into)->assign(text, strnlen(text, nftnl_udata_len(attribute)));
            }
            return 0;
        },
        &comment);
    return comment;
}

// Keys: an address (4 or 16 bytes), or address . protocol . port, each field in whole registers.
int append_element(nftnl_set_elem* element, void* data) {
    auto& into = *static_cast<std::vector<ListedElement>*>(data);
    uint32_t length = 0;
    const auto* key = static_cast<const uint8_t*>(nftnl_set_elem_get(element, NFTNL_SET_ELEM_KEY, &length));
    if (key == nullptr) {
        return 0;
    }
    ListedElement entry{common::IpAddress::from_v4({0, 0, 0, 0}), std::nullopt, std::chrono::milliseconds(0),
                        ""};
    if (length == 4 || length == 16) {
        entry.address = address_from(key, length);
    } else if (length == 4 + 8 || length == 16 + 8) {
        const size_t address_length = length - 8;
        entry.address = address_from(key, address_length);
        entry.port = L4Port{key[address_length],
                            static_cast<uint16_t>((key[address_length + 4] << 8) | key[address_length + 5])};
    } else {
        return 0;
    }
    if (nftnl_set_elem_is_set(element, NFTNL_SET_ELEM_EXPIRATION)) {
        entry.expires_in =
            std::chrono::milliseconds(nftnl_set_elem_get_u64(element, NFTNL_SET_ELEM_EXPIRATION));
    }
    entry.comment = comment_of(*element);
    into.push_back(std::move(entry));
    return 0;
}

[[noreturn]] void fail(std::string_view set_name, const std::string& what, int error) {
    throw NftError("listing set " + std::string(set_name) + ": " + what, error);
}

// Reads one datagram of the dump; false once NLMSG_DONE arrived.
bool read_part(NetlinkSocket& socket, std::span<uint8_t> buffer, uint32_t sequence, std::string_view set_name,
               std::vector<ListedElement>& into, Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd entry{socket.fd(), POLLIN, 0};
    if (::poll(&entry, 1, static_cast<int>(std::max<int64_t>(left.count(), 0))) <= 0) {
        fail(set_name, "the kernel did not finish the listing in time", ETIMEDOUT);
    }
    const ptrdiff_t received = socket.receive(buffer);
    if (received == -EAGAIN || received == -EINTR) {
        return true;
    }
    if (received < 0) {
        fail(set_name, describe_kernel_error(static_cast<int>(-received)), static_cast<int>(-received));
    }
    bool more = true;
    int remaining = static_cast<int>(received);
    for (auto* message = reinterpret_cast<const nlmsghdr*>(buffer.data()); mnl_nlmsg_ok(message, remaining);
         message = mnl_nlmsg_next(message, &remaining)) {
        if (message->nlmsg_seq != sequence) {
            continue;
        }
        if (message->nlmsg_type == NLMSG_DONE) {
            more = false;
        } else if (message->nlmsg_type == NLMSG_ERROR) {
            const auto* error = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(message));
            if (error->error != 0) {
                fail(set_name, describe_kernel_error(-error->error), -error->error);
            }
        } else {
            SetPtr listed(nftnl_set_alloc());
            if (!listed) {
                throw std::bad_alloc();
            }
            if (nftnl_set_elems_nlmsg_parse(message, listed.get()) >= 0) {
                nftnl_set_elem_foreach(listed.get(), append_element, &into);
            }
        }
    }
    return more;
}

}  // namespace

std::vector<ListedElement> list_set_elements(NetlinkSocket& socket, SequenceCounter& sequence,
                                             std::string_view set_name, std::chrono::milliseconds timeout) {
    std::vector<uint8_t> buffer(64 * 1024);
    const uint32_t request_sequence = sequence.reserve_block();
    auto* header = nftnl_nlmsg_build_hdr(reinterpret_cast<char*>(buffer.data()), NFT_MSG_GETSETELEM,
                                         NFPROTO_INET, NLM_F_DUMP, request_sequence);
    const auto set = make_set_reference(set_name, std::nullopt);
    nftnl_set_elems_nlmsg_build_payload(header, set.get());
    socket.send(std::span<const uint8_t>(buffer.data(), header->nlmsg_len));
    std::vector<ListedElement> listed;
    const auto deadline = Clock::now() + timeout;
    while (read_part(socket, buffer, request_sequence, set_name, listed, deadline)) {
    }
    return listed;
}

}  // namespace egress::nft
