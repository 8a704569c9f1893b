#pragma once

#include <optional>
#include <string>
#include <string_view>

// The forms of host name the interception proxy accepts: it keys certificates and decisions on
// them, so one host must have exactly one spelling.
namespace egress::tls {

// name lowercased (ASCII), one trailing dot removed, when the result is a DNS name: labels of 1 to
// 63 characters from [a-z0-9-_], at most 253 characters in all, and a last label that is not all
// digits (resolvers and URL parsers read "10.1" or "1.2.3.4" as addresses). nullopt otherwise.
std::optional<std::string> normalize_dns_name(std::string_view name);

// A strict IPv4 dotted quad or IPv6 text address (no brackets, no zone).
bool is_ip_literal(std::string_view host);

}  // namespace egress::tls
