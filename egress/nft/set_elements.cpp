#include "nft/set_elements.hpp"

// clang-format off
// netinet/in.h must precede the linux/ uapi headers, which otherwise define in_addr themselves.
#include <netinet/in.h>
// clang-format on
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <array>
#include <new>
#include <string>
#include <vector>

#include "nft/interval_elements.hpp"
#include "nft/netlink_objects.hpp"
#include "nft/ruleset_names.hpp"

namespace egress::nft {
namespace {

// Elements per message: keeps the NFTA_SET_ELEM_LIST_ELEMENTS nest under its 16-bit length.
constexpr size_t kElementsPerMessage = 512;
constexpr size_t kNamedInDescription = 3;

nftnl_set_elem* add_element(nftnl_set& set, std::span<const uint8_t> key) {
    SetElemPtr element(nftnl_set_elem_alloc());
    if (!element) {
        throw std::bad_alloc();
    }
    nftnl_set_elem_set(element.get(), NFTNL_SET_ELEM_KEY, key.data(), static_cast<uint32_t>(key.size()));
    nftnl_set_elem* raw = element.release();
    nftnl_set_elem_add(&set, raw);  // the set owns it from here
    return raw;
}

// The name as the element's comment (nft lists it: `comment "<name>"`); longer names go without.
void set_owner(nftnl_set_elem& element, std::string_view owner) {
    if (owner.empty() || owner.size() > kMaxOwnerLength) {
        return;
    }
    std::unique_ptr<nftnl_udata_buf, FreeWith<nftnl_udata_buf_free>> buffer(
        nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN));
    if (!buffer) {
        throw std::bad_alloc();
    }
    nftnl_udata_put_strz(buffer.get(), NFTNL_UDATA_SET_ELEM_COMMENT, std::string(owner).c_str());
    nftnl_set_elem_set(&element, NFTNL_SET_ELEM_USERDATA, nftnl_udata_buf_data(buffer.get()),
                       nftnl_udata_buf_len(buffer.get()));
}

void set_timeout(nftnl_set_elem& element, std::chrono::seconds timeout) {
    const auto milliseconds = std::chrono::duration_cast<std::chrono::milliseconds>(timeout);
    nftnl_set_elem_set_u64(&element, NFTNL_SET_ELEM_TIMEOUT, static_cast<uint64_t>(milliseconds.count()));
    // An explicit expiration makes the kernel (>= 6.11) restart the countdown of an element that
    // already exists; with the timeout alone it only updates a changed timeout.
    nftnl_set_elem_set_u64(&element, NFTNL_SET_ELEM_EXPIRATION, static_cast<uint64_t>(milliseconds.count()));
}

// The highest address of a (masked) prefix.
common::IpAddress last_address(const common::IpPrefix& prefix) {
    std::array<uint8_t, 16> bytes{};
    const auto first = prefix.address().bytes();
    std::copy(first.begin(), first.end(), bytes.begin());
    const int host_bits = prefix.address().bit_length() - prefix.length();
    for (int bit = 0; bit < host_bits; ++bit) {
        bytes[first.size() - 1 - static_cast<size_t>(bit / 8)] |= static_cast<uint8_t>(1u << (bit % 8));
    }
    if (prefix.family() == common::IpFamily::v4) {
        return common::IpAddress::from_v4({bytes[0], bytes[1], bytes[2], bytes[3]});
    }
    return common::IpAddress::from_v6(bytes);
}

std::string describe_port(L4Port port) {
    return std::string(port.protocol == IPPROTO_UDP ? " . udp . " : " . tcp . ") + std::to_string(port.port);
}

const char* verb(ElementOperation operation) {
    return operation == ElementOperation::add ? "adding" : "deleting";
}

template <typename Item>
std::string describe_elements(ElementOperation operation, std::span<const Item> items,
                              std::string_view set_name, auto&& to_text) {
    std::string text = std::string(verb(operation)) + (items.size() == 1 ? " element " : " elements ");
    for (size_t index = 0; index < items.size() && index < kNamedInDescription; ++index) {
        text += (index ? ", " : "") + to_text(items[index]);
    }
    if (items.size() > kNamedInDescription) {
        text += ", ... (" + std::to_string(items.size()) + " in all)";
    }
    const char* preposition = operation == ElementOperation::add ? " to set " : " from set ";
    return text + preposition + std::string(set_name);
}

// One message per kElementsPerMessage items, each item put into the set by `add_item`.
template <typename Item, typename AddItem, typename Describe>
void put_in_chunks(NftBatch& batch, ElementOperation operation, std::string_view set_name,
                   std::optional<uint32_t> set_id, std::span<const Item> items, AddItem&& add_item,
                   Describe&& describe) {
    for (size_t start = 0; start < items.size(); start += kElementsPerMessage) {
        const auto chunk = items.subspan(start, std::min(kElementsPerMessage, items.size() - start));
        auto set = make_set_reference(set_name, set_id);
        for (const auto& item : chunk) {
            add_item(*set, item);
        }
        put_elements(batch, operation, *set, chunk.size(),
                     describe_elements(operation, chunk, set_name, describe));
    }
}

}  // namespace

SetPtr make_set_reference(std::string_view set_name, std::optional<uint32_t> set_id) {
    SetPtr set(nftnl_set_alloc());
    if (!set) {
        throw std::bad_alloc();
    }
    nftnl_set_set_u32(set.get(), NFTNL_SET_FAMILY, NFPROTO_INET);
    nftnl_set_set_str(set.get(), NFTNL_SET_TABLE, std::string(names::kTable).c_str());
    nftnl_set_set_str(set.get(), NFTNL_SET_NAME, std::string(set_name).c_str());
    if (set_id) {
        nftnl_set_set_u32(set.get(), NFTNL_SET_ID, *set_id);
    }
    return set;
}

void put_interval_elements(NftBatch& batch, ElementOperation operation, std::string_view set_name,
                           std::optional<uint32_t> set_id, std::span<const common::IpPrefix> prefixes) {
    for (size_t start = 0; start < prefixes.size(); start += kElementsPerMessage) {
        const auto chunk = prefixes.subspan(start, std::min(kElementsPerMessage, prefixes.size() - start));
        auto set = make_set_reference(set_name, set_id);
        const auto boundaries = interval_boundaries(chunk);
        for (const auto& boundary : boundaries) {
            nftnl_set_elem* element = add_element(*set, std::span(boundary.key).first(boundary.key_length));
            if (boundary.interval_end) {
                nftnl_set_elem_set_u32(element, NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
            }
        }
        put_elements(batch, operation, *set, boundaries.size(),
                     describe_elements(operation, chunk, set_name, [](const common::IpPrefix& prefix) {
                         return prefix.to_compact_string();
                     }));
    }
}

void add_timed_elements(NftBatch& batch, std::string_view set_name, std::span<const TimedAddress> addresses,
                        TimeoutRenewal renewal) {
    const auto put = [&](ElementOperation operation) {
        auto set = make_set_reference(set_name, std::nullopt);
        for (const auto& entry : addresses) {
            nftnl_set_elem* element = add_element(*set, entry.address.bytes());
            if (operation == ElementOperation::add) {
                set_timeout(*element, entry.timeout);
                set_owner(*element, entry.owner);
            }
        }
        put_elements(batch, operation, *set, addresses.size(),
                     describe_elements(operation, addresses, set_name,
                                       [](const TimedAddress& entry) { return entry.address.to_string(); }));
    };
    put(ElementOperation::add);
    if (renewal == TimeoutRenewal::delete_and_add) {
        put(ElementOperation::remove);  // present: just added
        put(ElementOperation::add);
    }
}

void remove_address_elements(NftBatch& batch, ElementOperation operation, std::string_view set_name,
                             std::span<const common::IpAddress> addresses) {
    auto set = make_set_reference(set_name, std::nullopt);
    for (const auto& address : addresses) {
        add_element(*set, address.bytes());
    }
    put_elements(batch, operation, *set, addresses.size(),
                 describe_elements(operation, addresses, set_name,
                                   [](const common::IpAddress& address) { return address.to_string(); }));
}

std::vector<uint8_t> ported_key(const common::IpAddress& address, L4Port port) {
    const auto bytes = address.bytes();
    std::vector<uint8_t> key(bytes.begin(), bytes.end());
    key.insert(key.end(), {port.protocol, 0, 0, 0});
    key.insert(key.end(),
               {static_cast<uint8_t>(port.port >> 8), static_cast<uint8_t>(port.port & 0xff), 0, 0});
    return key;
}

void put_ported_interval_elements(NftBatch& batch, ElementOperation operation, std::string_view set_name,
                                  std::optional<uint32_t> set_id, std::span<const PortedPrefix> prefixes) {
    put_in_chunks(
        batch, operation, set_name, set_id, prefixes,
        [](nftnl_set& set, const PortedPrefix& entry) {
            nftnl_set_elem* element = add_element(set, ported_key(entry.prefix.address(), entry.port));
            const auto end = ported_key(last_address(entry.prefix), entry.port);
            nftnl_set_elem_set(element, NFTNL_SET_ELEM_KEY_END, end.data(),
                               static_cast<uint32_t>(end.size()));
        },
        [](const PortedPrefix& entry) {
            return entry.prefix.to_compact_string() + describe_port(entry.port);
        });
}

void add_timed_ported_elements(NftBatch& batch, std::string_view set_name,
                               std::span<const TimedPortedAddress> elements, TimeoutRenewal renewal) {
    const auto put = [&](ElementOperation operation) {
        put_in_chunks(
            batch, operation, set_name, std::nullopt, elements,
            [operation](nftnl_set& set, const TimedPortedAddress& entry) {
                nftnl_set_elem* element =
                    add_element(set, ported_key(entry.element.address, entry.element.port));
                if (operation == ElementOperation::add) {
                    set_timeout(*element, entry.timeout);
                    set_owner(*element, entry.owner);
                }
            },
            [](const TimedPortedAddress& entry) {
                return entry.element.address.to_string() + describe_port(entry.element.port);
            });
    };
    put(ElementOperation::add);
    if (renewal == TimeoutRenewal::delete_and_add) {
        put(ElementOperation::remove);  // present: just added
        put(ElementOperation::add);
    }
}

void remove_ported_elements(NftBatch& batch, ElementOperation operation, std::string_view set_name,
                            std::span<const PortedAddress> elements) {
    put_in_chunks(
        batch, operation, set_name, std::nullopt, elements,
        [](nftnl_set& set, const PortedAddress& entry) {
            add_element(set, ported_key(entry.address, entry.port));
        },
        [](const PortedAddress& entry) { return entry.address.to_string() + describe_port(entry.port); });
}

}  // namespace egress::nft
