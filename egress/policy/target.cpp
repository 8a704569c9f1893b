#include "policy/target.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include "policy/policy_error.hpp"
#include "policy/text.hpp"

namespace egress::policy {
namespace {

constexpr size_t max_label_length = 63;

[[noreturn]] void reject(std::string_view raw, std::string_view reason) {
    throw PolicyError("invalid target \"" + std::string(raw) + "\": " + std::string(reason));
}

bool is_label_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// Text that can only have been meant as an address or a network, never as a host name.
bool looks_like_address(std::string_view text) {
    if (text.find_first_of(":/") != std::string_view::npos) {
        return true;
    }
    const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
    return std::any_of(text.begin(), text.end(), is_digit) &&
           std::all_of(text.begin(), text.end(), [&](char c) { return c == '.' || is_digit(c); });
}

void validate_label(std::string_view raw, std::string_view label) {
    if (label.empty()) {
        reject(raw, "empty label");
    }
    if (label.size() > max_label_length) {
        reject(raw, "label longer than 63 characters");
    }
    if (label.front() == '-' || label.back() == '-') {
        reject(raw, "a label cannot start or end with '-'");
    }
    if (!std::all_of(label.begin(), label.end(), is_label_char)) {
        reject(raw, "a name may only contain letters, digits, '-', '_' and '.'");
    }
}

void validate_host_name(std::string_view raw, std::string_view name) {
    if (name.size() > max_name_length) {
        reject(raw, "name longer than 253 characters");
    }
    size_t start = 0;
    while (true) {
        const size_t dot = name.find('.', start);
        validate_label(raw, name.substr(start, dot == std::string_view::npos ? dot : dot - start));
        if (dot == std::string_view::npos) {
            return;
        }
        start = dot + 1;
    }
}

// ::ffff:a.b.c.d: a packet to a.b.c.d is IPv4 on the wire, so a rule kept in this form would never
// match it (a deny would deny nothing). Such targets are read as the IPv4 address they carry.
std::optional<common::IpAddress> ipv4_of_mapped(const common::IpAddress& address) {
    constexpr std::array<uint8_t, 12> kMappedPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    const auto bytes = address.bytes();
    if (address.is_v4() || !std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), bytes.begin())) {
        return std::nullopt;
    }
    return common::IpAddress::from_v4({bytes[12], bytes[13], bytes[14], bytes[15]});
}

Target parse_address_target(std::string_view raw, std::string_view text) {
    if (text.find('%') != std::string_view::npos) {
        reject(raw, "zoned IPv6 addresses are not supported");
    }
    const size_t slash = text.find('/');
    if (slash == std::string_view::npos) {
        auto address = common::IpAddress::parse(text);
        if (!address) {
            reject(raw, "not a valid IP address (IPv4 needs four decimal parts without leading zeros)");
        }
        if (const auto ipv4 = ipv4_of_mapped(*address)) {
            address = ipv4;
        }
        return {TargetKind::address, address->to_string(), common::IpPrefix::host(*address)};
    }
    auto address = common::IpAddress::parse(text.substr(0, slash));
    if (!address) {
        reject(raw, "not a valid CIDR: bad address \"" + std::string(text.substr(0, slash)) + "\"");
    }
    auto prefix = common::IpPrefix::parse(text);
    if (!prefix) {
        reject(raw, "not a valid CIDR: prefix length must be 0-" + std::to_string(address->bit_length()));
    }
    if (const auto ipv4 = ipv4_of_mapped(*address)) {
        constexpr int kMappedPrefixLength = 96;
        if (prefix->length() < kMappedPrefixLength) {
            reject(raw, "an IPv4-mapped IPv6 range needs a prefix length of at least 96 (write it as IPv4)");
        }
        prefix = common::IpPrefix(*ipv4, prefix->length() - kMappedPrefixLength);
    }
    const common::IpPrefix masked = prefix->masked();
    return {TargetKind::cidr, masked.to_string(), masked};
}

Target parse_name_target(std::string_view raw, std::string_view name) {
    const bool is_wildcard = name.starts_with("*.");
    if (name.ends_with('.') && name.size() > (is_wildcard ? 2u : 0u)) {
        name.remove_suffix(1);  // the one trailing dot of a fully qualified name
    }
    const std::string_view base = is_wildcard ? name.substr(2) : name;
    if (base.find('*') != std::string_view::npos) {
        reject(raw, "a wildcard is only allowed as a leading \"*.\"");
    }
    if (base.empty()) {
        reject(raw, is_wildcard ? "a wildcard needs a domain after \"*.\"" : "empty name");
    }
    validate_host_name(raw, base);
    return {is_wildcard ? TargetKind::wildcard : TargetKind::domain, std::string(name), std::nullopt};
}

}  // namespace

Target parse_target(std::string_view raw) {
    const std::string_view trimmed = trim_space(raw);
    if (trimmed.empty()) {
        throw PolicyError("egress target cannot be empty");
    }
    if (std::any_of(trimmed.begin(), trimmed.end(),
                    [](char c) { return static_cast<unsigned char>(c) > 0x7F; })) {
        reject(trimmed, "non-ASCII names must be written in their punycode (xn--) form");
    }
    const std::string lowered = to_lower_ascii(trimmed);
    if (looks_like_address(lowered)) {
        return parse_address_target(trimmed, lowered);
    }
    return parse_name_target(trimmed, lowered);
}

}  // namespace egress::policy
