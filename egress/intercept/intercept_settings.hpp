#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <vector>

namespace egress::intercept {

struct InterceptSettings {
    // The proxy listens on 127.0.0.1 and ::1 at this port; the nat chain redirects the workload's
    // TCP to intercept_ports there.
    uint16_t port = 18082;
    std::vector<uint16_t> intercept_ports = {80, 443};
    // Put on the proxy's connections to the real servers: the nat chain does not redirect them
    // again, while the filter chain judges them as it would the workload's own.
    uint32_t upstream_mark = 0x2;
    std::filesystem::path extra_trust_dir;  // more roots for verifying servers, besides the system's
    bool insecure_upstream = false;         // verify nothing (OPENSANDBOX_EGRESS_MITMPROXY_SSL_INSECURE)
    std::chrono::milliseconds hello_timeout{10000};
    std::chrono::milliseconds connect_timeout{10000};
    std::chrono::milliseconds idle_timeout{300000};  // between requests and within a message
    size_t max_connections = 4096;
    size_t max_header_bytes = 64 * 1024;
};

}  // namespace egress::intercept
