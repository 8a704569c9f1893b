#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "http/router.hpp"

namespace execd::api {

// Where /proxy/{port}/{rest} goes: 127.0.0.1:port with target "/rest?query".
struct ProxyTarget {
    uint16_t port = 0;
    std::string target;
};

// Splits a request path (decoded) and raw query; error text when the port is missing or not a
// number in 1..65535.
std::variant<ProxyTarget, std::string> parse_proxy_path(std::string_view path, std::string_view raw_query);

// Any method on /proxy/{port}/...: a reverse proxy to a server inside the sandbox. The route's body
// is streamed: the proxy takes the connection before reading it, so no body size limit applies.
void register_proxy_routes(http::Router& router);

}  // namespace execd::api
