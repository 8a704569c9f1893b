#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/metrics.hpp"

namespace execd::telemetry {

// Bytes received and sent by every interface of the network namespace (loopback included, as
// upstream counts them), from /proc/net/dev.
struct NetworkBytes {
    uint64_t received = 0;
    uint64_t sent = 0;
};

// nullopt when the text has no interface lines.
std::optional<NetworkBytes> parse_net_dev(std::string_view text);

// Sockets listed in a /proc/net/{tcp,tcp6,udp,udp6} table (every line after the header).
std::size_t count_socket_lines(std::string_view text);

// Where the figures are read; tests point them at fixtures.
struct NetworkPaths {
    std::string net_dev = "/proc/net/dev";
    std::string tcp = "/proc/net/tcp";
    std::string tcp6 = "/proc/net/tcp6";
    std::string udp = "/proc/net/udp";
    std::string udp6 = "/proc/net/udp6";
};

// Registers execd_system_network_io_bytes_total{direction} and
// execd_system_network_connections_active{protocol}, refreshed whenever the registry is collected.
void register_network_gauges(common::MetricsRegistry& registry, NetworkPaths paths = {});

}  // namespace execd::telemetry
