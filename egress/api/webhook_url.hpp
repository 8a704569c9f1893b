#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace egress::api {

// http(s)://host[:port][/path] — what OPENSANDBOX_EGRESS_DENY_WEBHOOK may hold.
struct WebhookUrl {
    std::string scheme;  // "http" or "https"
    std::string host;    // a name or an address (IPv6 without brackets)
    uint16_t port = 0;
    std::string path;  // starts with '/', query included

    // scheme://host:port, brackets around an IPv6 host: what the HTTP client connects to.
    std::string origin() const;
};

// Throws std::invalid_argument saying what is wrong (scheme, host, port).
WebhookUrl parse_webhook_url(std::string_view text);

}  // namespace egress::api
