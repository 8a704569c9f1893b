#include "sidecar/address_audit.hpp"

#include <netinet/in.h>

#include <string>
#include <vector>

#include "common/log.hpp"
#include "policy/audited_destination.hpp"

namespace egress::sidecar {
namespace {

constexpr std::string_view kWouldDenyEvent = "egress.would_deny";

std::string protocol_name(uint8_t protocol) {
    switch (protocol) {
        case IPPROTO_TCP:
            return "tcp";
        case IPPROTO_UDP:
            return "udp";
        case IPPROTO_ICMP:
            return "icmp";
        case IPPROTO_ICMPV6:
            return "icmpv6";
        case IPPROTO_SCTP:
            return "sctp";
        default:
            return std::to_string(protocol);
    }
}

// 224.0.0.0/24 and ff02::/16 carry the kernel's own housekeeping (IGMP and MLD reports), not
// connections the workload made; the rules' counters still count them.
bool is_link_local_multicast(const common::IpAddress& address) {
    const auto bytes = address.bytes();
    return address.is_v4() ? bytes[0] == 224 && bytes[1] == 0 && bytes[2] == 0
                           : bytes[0] == 0xff && bytes[1] == 0x02;
}

policy::AuditedDestination destination_of(const nft::AuditedConnection& connection) {
    policy::AuditedDestination destination{connection.destination, std::nullopt};
    if (connection.port != 0 && (connection.protocol == IPPROTO_TCP || connection.protocol == IPPROTO_UDP)) {
        destination.port = policy::ProtocolPort{
            connection.protocol == IPPROTO_TCP ? policy::Protocol::tcp : policy::Protocol::udp,
            connection.port};
    }
    return destination;
}

}  // namespace

AddressAudit::AddressAudit(policy::DenialTally& destinations, size_t event_lines_per_second,
                           common::Family<common::Counter>& suppressed_events)
    : destinations_(destinations),
      event_lines_per_second_(event_lines_per_second),
      budget_(std::string(kWouldDenyEvent) + " lines", event_lines_per_second,
              &suppressed_events.with_labels({std::string(kWouldDenyEvent)})) {}

void AddressAudit::record(const nft::AuditedConnection& connection) {
    if (is_link_local_multicast(connection.destination)) {
        return;
    }
    destinations_.record(policy::tally_key(destination_of(connection)), policy::Verdict::would_deny);
    if (event_lines_per_second_ == 0 || !spdlog::default_logger_raw()->should_log(common::LogLevel::info) ||
        !budget_.take()) {
        return;
    }
    std::vector<common::LogField> fields{
        {common::kLogEventKey, kWouldDenyEvent},
        {"target.ip", connection.destination.to_string()},
        {"target.protocol", protocol_name(connection.protocol)},
        {"rule", connection.by == nft::AuditedBy::rule ? "audit" : "default"}};
    if (connection.port != 0) {
        fields.emplace_back("target.port", connection.port);
    }
    common::log_fields(common::LogLevel::info, "egress would deny", fields);
}

}  // namespace egress::sidecar
