#include "harness/dns_zone.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace harness {
namespace {

void require_address(int family, std::string_view text) {
    unsigned char buffer[16];
    if (::inet_pton(family, std::string(text).c_str(), buffer) != 1) {
        throw std::invalid_argument("not an IPv" + std::string(family == AF_INET ? "4" : "6") +
                                    " address: '" + std::string(text) + "'");
    }
}

void require_name(std::string_view name) {
    if (normalize_dns_name(name).empty()) {
        throw std::invalid_argument("empty DNS name");
    }
}

}  // namespace

std::string normalize_dns_name(std::string_view name) {
    if (name.ends_with('.')) {
        name.remove_suffix(1);
    }
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lower;
}

DnsZone& DnsZone::add_a(std::string_view name, std::string_view ipv4) {
    require_name(name);
    require_address(AF_INET, ipv4);
    records_[normalize_dns_name(name)].push_back({DnsRecordType::a, std::string(ipv4)});
    return *this;
}

DnsZone& DnsZone::add_aaaa(std::string_view name, std::string_view ipv6) {
    require_name(name);
    require_address(AF_INET6, ipv6);
    records_[normalize_dns_name(name)].push_back({DnsRecordType::aaaa, std::string(ipv6)});
    return *this;
}

DnsZone& DnsZone::add_cname(std::string_view name, std::string_view target) {
    require_name(name);
    require_name(target);
    records_[normalize_dns_name(name)].push_back({DnsRecordType::cname, normalize_dns_name(target)});
    return *this;
}

DnsZone& DnsZone::add_from_text(std::string_view name, std::string_view value) {
    constexpr std::string_view kCnamePrefix = "CNAME:";
    if (value.starts_with(kCnamePrefix)) {
        return add_cname(name, value.substr(kCnamePrefix.size()));
    }
    if (value.find(':') != std::string_view::npos) {
        return add_aaaa(name, value);
    }
    return add_a(name, value);
}

const std::vector<DnsRecord>* DnsZone::find(std::string_view name) const {
    const auto it = records_.find(normalize_dns_name(name));
    return it == records_.end() ? nullptr : &it->second;
}

}  // namespace harness
