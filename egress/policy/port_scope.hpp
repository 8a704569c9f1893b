#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace egress::policy {

enum class Protocol : uint8_t { tcp, udp };

// "tcp" or "udp".
std::string_view to_string(Protocol protocol);

// The ports a rule is limited to. An empty list is every port of every protocol: the meaning of a
// rule without "ports", as before port rules existed.
struct PortScope {
    Protocol protocol = Protocol::tcp;
    std::vector<uint16_t> ports;  // in the user's order; validated: 1-65535, distinct

    bool scoped() const { return !ports.empty(); }
    bool operator==(const PortScope&) const = default;
};

// Upstream's limit (OpenSandbox #1647).
inline constexpr size_t max_ports_per_rule = 256;

// A rule's "ports" and "protocol" as they came in JSON (a port may be any integer).
struct RawPortScope {
    std::vector<int64_t> ports;
    std::optional<std::string_view> protocol;  // absent or null: tcp
};

// Validates with upstream's messages, naming the rule by its target text:
//   egress target "<t>": too many ports (N), max 256 per rule
//   egress target "<t>": port N out of range 1-65535
//   egress target "<t>": duplicate port N
// and this project's: an unknown protocol, or a protocol without ports.
PortScope make_port_scope(std::string_view target_text, const RawPortScope& raw);

// The PATCH merge key part: protocol and the sorted ports ("" for an unscoped rule).
std::string port_scope_key(const PortScope& scope);

}  // namespace egress::policy
