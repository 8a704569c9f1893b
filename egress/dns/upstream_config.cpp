#include "dns/upstream_config.hpp"

#include <algorithm>
#include <stdexcept>

namespace egress::dns {
namespace {

constexpr uint16_t kDnsPort = 53;

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

template <typename Visit>
void for_each_list_entry(std::string_view text, Visit visit) {
    size_t start = 0;
    while (start <= text.size()) {
        const size_t comma = std::min(text.find(',', start), text.size());
        const std::string_view entry = trim(text.substr(start, comma - start));
        if (!entry.empty()) {
            visit(entry);
        }
        start = comma + 1;
    }
}

template <typename T>
void append_unique(std::vector<T>& list, const T& value) {
    if (std::find(list.begin(), list.end(), value) == list.end()) {
        list.push_back(value);
    }
}

}  // namespace

std::vector<common::IpEndpoint> parse_upstream_list(std::string_view text) {
    std::vector<common::IpEndpoint> upstreams;
    for_each_list_entry(text, [&](std::string_view entry) {
        auto endpoint = common::IpEndpoint::parse(entry, kDnsPort);
        if (!endpoint) {
            throw std::invalid_argument("invalid DNS upstream \"" + std::string(entry) +
                                        "\": expected an IP literal with an optional port, such as "
                                        "10.0.0.2, 10.0.0.2:53 or [fd00::2]:53 (host names are not allowed)");
        }
        append_unique(upstreams, *endpoint);
    });
    return upstreams;
}

std::vector<common::IpAddress> nameservers_from_resolv_conf(std::string_view text) {
    std::vector<common::IpAddress> nameservers;
    size_t start = 0;
    while (start < text.size()) {
        const size_t end = std::min(text.find('\n', start), text.size());
        std::string_view line = trim(text.substr(start, end - start));
        start = end + 1;
        constexpr std::string_view kKeyword = "nameserver";
        if (!line.starts_with(kKeyword) || line.size() == kKeyword.size() ||
            (line[kKeyword.size()] != ' ' && line[kKeyword.size()] != '\t')) {
            continue;
        }
        std::string_view value = trim(line.substr(kKeyword.size()));
        value = value.substr(0, value.find_first_of(" \t#;"));
        if (auto address = common::IpAddress::parse(value)) {
            nameservers.push_back(*address);
        }
    }
    return nameservers;
}

std::vector<common::IpEndpoint> upstreams_from_nameservers(
    const std::vector<common::IpAddress>& nameservers) {
    std::vector<common::IpEndpoint> upstreams;
    for (bool want_loopback : {false, true}) {
        for (const auto& address : nameservers) {
            if (address.is_unspecified() || address.is_loopback() != want_loopback) {
                continue;
            }
            if (upstreams.size() < kMaxResolvConfUpstreams) {
                append_unique(upstreams, common::IpEndpoint(address, kDnsPort));
            }
        }
    }
    return upstreams;
}

ExemptList parse_exempt_list(std::string_view text) {
    ExemptList list;
    for_each_list_entry(text, [&](std::string_view entry) {
        if (auto address = common::IpAddress::parse(entry)) {
            append_unique(list.addresses, *address);
        } else {
            list.rejected.emplace_back(entry);
        }
    });
    return list;
}

}  // namespace egress::dns
