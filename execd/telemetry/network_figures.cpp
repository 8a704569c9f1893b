#include "telemetry/network_figures.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <vector>

namespace execd::telemetry {
namespace {

std::string read_text(const std::string& path) {
    std::ifstream file(path);
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

std::vector<std::string_view> split_fields(std::string_view line) {
    std::vector<std::string_view> fields;
    std::size_t at = 0;
    while (at < line.size()) {
        const std::size_t start = line.find_first_not_of(" \t", at);
        if (start == std::string_view::npos) {
            break;
        }
        const std::size_t end = std::min(line.find_first_of(" \t", start), line.size());
        fields.push_back(line.substr(start, end - start));
        at = end;
    }
    return fields;
}

std::optional<uint64_t> parse_u64(std::string_view text) {
    uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

// A counter that follows a cumulative figure read from the system (it never goes back).
void follow(common::Counter& counter, uint64_t figure) {
    if (figure > counter.value()) {
        counter.inc(figure - counter.value());
    }
}

}  // namespace

std::optional<NetworkBytes> parse_net_dev(std::string_view text) {
    NetworkBytes total;
    bool any = false;
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t end = std::min(text.find('\n', at), text.size());
        const std::string_view line = text.substr(at, end - at);
        at = end + 1;
        // "  eth0: rx_bytes rx_packets ... (8 receive fields) tx_bytes ..."
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) {
            continue;
        }
        const auto fields = split_fields(line.substr(colon + 1));
        if (fields.size() < 9) {
            continue;
        }
        const auto received = parse_u64(fields[0]);
        const auto sent = parse_u64(fields[8]);
        if (!received || !sent) {
            continue;
        }
        total.received += *received;
        total.sent += *sent;
        any = true;
    }
    return any ? std::optional(total) : std::nullopt;
}

std::size_t count_socket_lines(std::string_view text) {
    std::size_t lines = 0;
    bool header = true;
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t end = std::min(text.find('\n', at), text.size());
        if (!header && text.substr(at, end - at).find(':') != std::string_view::npos) {
            ++lines;
        }
        header = false;
        at = end + 1;
    }
    return lines;
}

void register_network_gauges(common::MetricsRegistry& registry, NetworkPaths paths) {
    auto& io = registry.counter_family("execd_system_network_io_bytes_total",
                                       "Bytes through the sandbox's network interfaces, by direction.",
                                       {"direction"});
    auto& connections =
        registry.gauge_family("execd_system_network_connections_active",
                              "Open sockets in the sandbox's network namespace, by protocol.", {"protocol"});
    common::Counter& received = io.with_labels({"in"});
    common::Counter& sent = io.with_labels({"out"});
    common::Gauge& tcp = connections.with_labels({"tcp"});
    common::Gauge& udp = connections.with_labels({"udp"});
    registry.add_collect_hook([paths = std::move(paths), &received, &sent, &tcp, &udp] {
        if (const auto bytes = parse_net_dev(read_text(paths.net_dev))) {
            follow(received, bytes->received);
            follow(sent, bytes->sent);
        }
        tcp.set(static_cast<double>(count_socket_lines(read_text(paths.tcp)) +
                                    count_socket_lines(read_text(paths.tcp6))));
        udp.set(static_cast<double>(count_socket_lines(read_text(paths.udp)) +
                                    count_socket_lines(read_text(paths.udp6))));
    });
}

}  // namespace execd::telemetry
