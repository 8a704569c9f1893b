#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <memory>
#include <vector>

#include "intercept/stream_timeouts.hpp"

// Moves bytes both ways between two streams until both directions end: the relay of connections
// the proxy does not read, and of upgraded (WebSocket) connections.
namespace egress::intercept {

namespace asio = boost::asio;

inline constexpr size_t pump_chunk_bytes = 64 * 1024;

// Sends what `from` delivered to `to` until from ends or either fails; then ends the direction.
template <typename From, typename To, typename EndDirection>
asio::awaitable<void> pump(From& from, To& to, EndDirection end_direction) {
    std::vector<char> chunk(pump_chunk_bytes);
    boost::system::error_code error;
    for (;;) {
        const size_t received = co_await from.async_read_some(
            asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, error));
        if (error) {
            break;
        }
        co_await asio::async_write(to, asio::buffer(chunk.data(), received),
                                   asio::redirect_error(asio::use_awaitable, error));
        if (error) {
            break;
        }
    }
    end_direction();
}

// Runs both directions at once and returns when both have ended. end_a_to_b is called when a
// has nothing more for b (for TCP: shut down b's sending side; for TLS: close both).
template <typename A, typename B, typename EndAToB, typename EndBToA>
asio::awaitable<void> pump_both_ways(A& a, B& b, EndAToB end_a_to_b, EndBToA end_b_to_a) {
    never_expire(a);
    never_expire(b);
    const auto executor = co_await asio::this_coro::executor;
    struct Latch {
        explicit Latch(asio::any_io_executor executor)
            : timer(executor, asio::steady_timer::time_point::max()) {}
        asio::steady_timer timer;
        bool done = false;
    };
    auto other = std::make_shared<Latch>(executor);
    asio::co_spawn(
        executor,
        [&a, &b, end_a_to_b, other]() -> asio::awaitable<void> {
            co_await pump(a, b, end_a_to_b);
            other->done = true;
            other->timer.cancel();
        },
        asio::detached);
    co_await pump(b, a, end_b_to_a);
    if (!other->done) {
        boost::system::error_code ignored;
        co_await other->timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
}

// Half-close for TCP: the peer learns there is no more, and can still answer.
template <typename Stream>
auto shut_down_sending(Stream& stream) {
    return [&stream] {
        boost::system::error_code ignored;
        boost::beast::get_lowest_layer(stream).socket().shutdown(asio::socket_base::shutdown_send, ignored);
    };
}

// TLS cannot half-close cleanly: the first direction to end closes both connections.
template <typename A, typename B>
auto close_both(A& a, B& b) {
    return [&a, &b] {
        boost::system::error_code ignored;
        boost::beast::get_lowest_layer(a).socket().close(ignored);
        boost::beast::get_lowest_layer(b).socket().close(ignored);
    };
}

}  // namespace egress::intercept
