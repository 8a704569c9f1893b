#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "http/request.hpp"

namespace execd::http {

struct TakenConnection;

// Forwards `request` to 127.0.0.1:`port` with `target` (path and query) on a connection taken from
// the server, then streams the answer back as it arrives and closes the connection. A WebSocket
// upgrade is relayed both ways until either side closes. X-EXECD-ACCESS-TOKEN is not forwarded;
// X-Forwarded-For/-Proto are set as upstream does. Connecting fails → 502 "Bad Gateway".
void proxy_connection(std::unique_ptr<TakenConnection> connection, const Request& request, uint16_t port,
                      std::string target);

}  // namespace execd::http
