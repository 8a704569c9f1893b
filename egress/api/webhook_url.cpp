#include "api/webhook_url.hpp"

#include <charconv>
#include <stdexcept>

namespace egress::api {
namespace {

[[noreturn]] void reject(std::string_view text, const std::string& why) {
    throw std::invalid_argument("webhook URL \"" + std::string(text) + "\": " + why);
}

uint16_t parse_port(std::string_view text, std::string_view url) {
    unsigned value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || value == 0 ||
        value > 65535) {
        reject(url, "invalid port \"" + std::string(text) + "\"");
    }
    return static_cast<uint16_t>(value);
}

}  // namespace

std::string WebhookUrl::origin() const {
    const bool ipv6 = host.find(':') != std::string::npos;
    return scheme + "://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

WebhookUrl parse_webhook_url(std::string_view text) {
    WebhookUrl url;
    const size_t scheme_end = text.find("://");
    if (scheme_end == std::string_view::npos) {
        reject(text, "expected http:// or https://");
    }
    url.scheme = std::string(text.substr(0, scheme_end));
    if (url.scheme != "http" && url.scheme != "https") {
        reject(text, "unsupported scheme \"" + url.scheme + "\" (use http or https)");
    }
    std::string_view rest = text.substr(scheme_end + 3);
    const size_t path_start = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, path_start);
    // The path, or "/" when the URL has none or starts with the query.
    if (path_start == std::string_view::npos || rest[path_start] == '?') {
        url.path.push_back('/');
    }
    if (path_start != std::string_view::npos) {
        url.path.append(rest.substr(path_start));
    }
    if (authority.find('@') != std::string_view::npos) {
        reject(text, "credentials in the URL are not supported");
    }
    std::string_view port_text;
    if (authority.starts_with('[')) {
        const size_t close = authority.find(']');
        if (close == std::string_view::npos) {
            reject(text, "unterminated [IPv6] host");
        }
        url.host = std::string(authority.substr(1, close - 1));
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty() && !after.starts_with(':')) {
            reject(text, "unexpected text after the [IPv6] host");
        }
        port_text = after.empty() ? std::string_view() : after.substr(1);
    } else {
        const size_t colon = authority.rfind(':');
        url.host = std::string(authority.substr(0, colon));
        port_text = colon == std::string_view::npos ? std::string_view() : authority.substr(colon + 1);
    }
    if (url.host.empty()) {
        reject(text, "no host");
    }
    url.port = port_text.empty() ? (url.scheme == "https" ? 443 : 80) : parse_port(port_text, text);
    return url;
}

}  // namespace egress::api
