#include "api/proxy_api.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "http/reverse_proxy.hpp"
#include "http/taken_connection.hpp"

namespace execd::api {

namespace {

constexpr std::string_view kPrefix = "/proxy/";

bool keep_unescaped(unsigned char c) {
    return std::isalnum(c) != 0 ||
           std::string_view("-._~/:@!$&'()*+,;=").find(static_cast<char>(c)) != std::string_view::npos;
}

// The decoded path escaped again for the upstream request line (an encoded "/" is lost, as upstream).
std::string escape_path(std::string_view path) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string escaped;
    for (const char c : path) {
        const auto byte = static_cast<unsigned char>(c);
        if (keep_unescaped(byte)) {
            escaped += c;
        } else {
            escaped += '%';
            escaped += kHex[byte >> 4];
            escaped += kHex[byte & 0xf];
        }
    }
    return escaped;
}

http::Response text(int status, std::string body) {
    return http::Response{status, {{"Content-Type", "text/plain; charset=utf-8"}}, std::move(body)};
}

}  // namespace

std::variant<ProxyTarget, std::string> parse_proxy_path(std::string_view path, std::string_view raw_query) {
    path.remove_prefix(std::min(path.size(), kPrefix.size()));
    const std::size_t slash = path.find('/');
    const std::string_view port_text = path.substr(0, slash);
    if (port_text.empty()) {
        return std::string("port is required");
    }
    unsigned port = 0;
    const auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (error != std::errc() || end != port_text.data() + port_text.size() || port == 0 || port > 65535) {
        return "invalid port " + std::string(port_text) + ": must be a number between 1 and 65535";
    }
    ProxyTarget target;
    target.port = static_cast<uint16_t>(port);
    target.target = slash == std::string_view::npos ? "/" : escape_path(path.substr(slash));
    if (!raw_query.empty()) {
        target.target += "?" + std::string(raw_query);
    }
    return target;
}

void register_proxy_routes(http::Router& router) {
    router.add_prefix(
        std::string(kPrefix),
        [](http::Request& request, std::shared_ptr<http::ResponseChannel> channel) {
            auto parsed = parse_proxy_path(request.path, request.raw_query);
            if (auto* error = std::get_if<std::string>(&parsed)) {
                channel->respond(text(400, *error));
                return;
            }
            channel->take_connection([request, target = std::get<ProxyTarget>(std::move(parsed))](
                                         auto connection) mutable {
                http::proxy_connection(std::move(connection), request, target.port, std::move(target.target));
            });
        },
        http::BodyMode::streamed);
}

}  // namespace execd::api
