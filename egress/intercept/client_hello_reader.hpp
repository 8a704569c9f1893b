#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>

#include "tls/client_hello.hpp"

namespace egress::intercept {

// Waits for the workload's ClientHello and reads it without consuming it (MSG_PEEK), so the
// bytes reach either the real server untouched or the proxy's own TLS handshake. A client that
// has not sent a complete ClientHello within timeout gets status incomplete.
boost::asio::awaitable<tls::ClientHelloInfo> peek_client_hello(boost::asio::ip::tcp::socket& socket,
                                                               std::chrono::milliseconds timeout);

}  // namespace egress::intercept
