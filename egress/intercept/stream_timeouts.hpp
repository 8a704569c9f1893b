#pragma once

#include <boost/beast/core/stream_traits.hpp>
#include <chrono>

namespace egress::intercept {

// The next operation on stream (plain or TLS over a beast::tcp_stream) fails after timeout.
template <typename Stream>
void expire_after(Stream& stream, std::chrono::milliseconds timeout) {
    boost::beast::get_lowest_layer(stream).expires_after(timeout);
}

template <typename Stream>
void never_expire(Stream& stream) {
    boost::beast::get_lowest_layer(stream).expires_never();
}

}  // namespace egress::intercept
