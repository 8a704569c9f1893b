#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "http/request.hpp"

namespace execd::http {

struct TakenConnection;

// Forwards `request` to 127.0.0.1:`port` with `target` (path and query) on a connection taken from
// the server right after the request head (a route with BodyMode::streamed: the body is still
// unread). The head goes out at once, the body follows piece by piece in the client's own framing
// (Content-Length or chunked), and the answer streams back as it arrives, possibly before the body
// ended; then the connection closes. A WebSocket upgrade is relayed both ways until either side
// closes. X-EXECD-ACCESS-TOKEN is not forwarded; X-Forwarded-For/-Proto are set as upstream does.
// Connecting fails, or the upstream closes before answering → 502 "Bad Gateway".
void proxy_connection(std::unique_ptr<TakenConnection> connection, const Request& request, uint16_t port,
                      std::string target);

}  // namespace execd::http
