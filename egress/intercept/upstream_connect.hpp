#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <cstdint>

#include "common/ip_endpoint.hpp"

namespace egress::intercept {

// A TCP connection to where the workload's connection was going, its packets carrying mark (so
// the nat chain does not send them back to the proxy, and the filter chain judges them as the
// workload's). Throws boost::system::system_error when the connection fails or times out.
boost::asio::awaitable<void> connect_marked(boost::beast::tcp_stream& stream,
                                            const common::IpEndpoint& destination, uint32_t mark,
                                            std::chrono::milliseconds timeout);

}  // namespace egress::intercept
