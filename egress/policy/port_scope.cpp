#include "policy/port_scope.hpp"

#include <algorithm>
#include <string>
#include <unordered_set>
#include <utility>

#include "policy/policy_error.hpp"
#include "policy/text.hpp"

namespace egress::policy {
namespace {

// `field`: "ports", "ports[i]" or "protocol".
[[noreturn]] void reject_scope(std::string_view target_text, std::string field, const std::string& reason) {
    throw PolicyError("egress target \"" + std::string(target_text) + "\": " + reason, std::move(field));
}

Protocol parse_protocol(std::string_view target_text, std::string_view raw) {
    const std::string protocol = to_lower_ascii(trim_space(raw));
    if (protocol.empty() || protocol == "tcp") {
        return Protocol::tcp;
    }
    if (protocol == "udp") {
        return Protocol::udp;
    }
    reject_scope(target_text, "protocol",
                 "unsupported protocol \"" + protocol + "\" (use \"tcp\" or \"udp\")");
}

}  // namespace

std::string_view to_string(Protocol protocol) {
    return protocol == Protocol::udp ? "udp" : "tcp";
}

PortScope make_port_scope(std::string_view target_text, const RawPortScope& raw) {
    if (raw.ports.size() > max_ports_per_rule) {
        reject_scope(target_text, "ports",
                     "too many ports (" + std::to_string(raw.ports.size()) + "), max " +
                         std::to_string(max_ports_per_rule) + " per rule");
    }
    PortScope scope;
    if (raw.protocol) {
        scope.protocol = parse_protocol(target_text, *raw.protocol);
        if (raw.ports.empty()) {
            reject_scope(target_text, "protocol", "a protocol needs ports: list the ports it applies to");
        }
    }
    std::unordered_set<int64_t> seen;
    for (size_t i = 0; i < raw.ports.size(); ++i) {
        const int64_t port = raw.ports[i];
        const std::string field = "ports[" + std::to_string(i) + "]";
        if (port < 1 || port > 65535) {
            reject_scope(target_text, field, "port " + std::to_string(port) + " out of range 1-65535");
        }
        if (!seen.insert(port).second) {
            reject_scope(target_text, field, "duplicate port " + std::to_string(port));
        }
        scope.ports.push_back(static_cast<uint16_t>(port));
    }
    return scope;
}

std::string port_scope_key(const PortScope& scope) {
    if (!scope.scoped()) {
        return "";
    }
    std::vector<uint16_t> sorted = scope.ports;
    std::sort(sorted.begin(), sorted.end());
    std::string key(to_string(scope.protocol));
    for (const uint16_t port : sorted) {
        key += ',' + std::to_string(port);
    }
    return key;
}

}  // namespace egress::policy
