#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <string>

#include "http/connection_limit.hpp"

namespace execd::http {

// A connection the server handed to a route (ResponseChannel::take_connection): the socket, bound to
// the connection's strand, and the bytes the client sent after the request that were already read.
// Only for the translation units that drive connections themselves with Asio/Beast; they keep
// `slot` as long as the socket.
struct TakenConnection {
    boost::asio::ip::tcp::socket socket;
    std::string buffered;
    std::shared_ptr<ConnectionLimit::Slot> slot;  // the connection's place under the server's cap
};

}  // namespace execd::http
