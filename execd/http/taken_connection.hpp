#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <string>

namespace execd::http {

// A connection the server handed to a route (ResponseChannel::take_connection): the socket, bound to
// the connection's strand, and the bytes the client sent after the request that were already read.
// Only for the translation units that drive connections themselves with Asio/Beast.
struct TakenConnection {
    boost::asio::ip::tcp::socket socket;
    std::string buffered;
};

}  // namespace execd::http
