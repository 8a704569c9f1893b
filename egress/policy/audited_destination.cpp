#include "policy/audited_destination.hpp"

#include <charconv>

namespace egress::policy {

std::string tally_key(const AuditedDestination& destination) {
    std::string key = destination.address.to_string();
    if (destination.port) {
        key += ' ';
        key += to_string(destination.port->protocol);
        key += '/';
        key += std::to_string(destination.port->port);
    }
    return key;
}

std::optional<AuditedDestination> parse_tally_key(std::string_view key) {
    const size_t space = key.find(' ');
    const auto address = common::IpAddress::parse(key.substr(0, space));
    if (!address) {
        return std::nullopt;
    }
    if (space == std::string_view::npos) {
        return AuditedDestination{*address, std::nullopt};
    }
    const std::string_view scope = key.substr(space + 1);
    const size_t slash = scope.find('/');
    const std::string_view protocol = scope.substr(0, slash);
    if (slash == std::string_view::npos || (protocol != "tcp" && protocol != "udp")) {
        return std::nullopt;
    }
    const std::string_view digits = scope.substr(slash + 1);
    uint16_t port = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (error != std::errc() || end != digits.data() + digits.size() || port == 0) {
        return std::nullopt;
    }
    return AuditedDestination{*address,
                              ProtocolPort{protocol == "tcp" ? Protocol::tcp : Protocol::udp, port}};
}

}  // namespace egress::policy
