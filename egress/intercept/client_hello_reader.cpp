#include "intercept/client_hello_reader.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <vector>

namespace egress::intercept {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

// A ClientHello split over several segments is rare; between peeks that found it incomplete the
// proxy sleeps this long instead of spinning on data that is already there.
constexpr std::chrono::milliseconds kFragmentPause{5};

}  // namespace

asio::awaitable<tls::ClientHelloInfo> peek_client_hello(asio::ip::tcp::socket& socket,
                                                        std::chrono::milliseconds timeout) {
    const auto executor = co_await asio::this_coro::executor;
    asio::steady_timer watchdog(executor);
    watchdog.expires_after(timeout);
    watchdog.async_wait([&socket](const boost::system::error_code& error) {
        if (!error) {
            boost::system::error_code ignored;
            socket.cancel(ignored);
        }
    });
    asio::steady_timer pause(executor);
    std::vector<uint8_t> bytes(tls::max_hello_bytes);
    boost::system::error_code error;
    co_await socket.async_wait(asio::socket_base::wait_read,
                               asio::redirect_error(asio::use_awaitable, error));
    while (!error) {
        const size_t peeked = socket.receive(asio::buffer(bytes), asio::socket_base::message_peek, error);
        if (error || peeked == 0) {
            break;
        }
        auto info = tls::parse_client_hello(std::span(bytes.data(), peeked));
        if (info.status != tls::HelloStatus::incomplete || peeked == bytes.size()) {
            watchdog.cancel();
            co_return info;
        }
        if (Clock::now() >= watchdog.expiry()) {
            break;
        }
        pause.expires_after(kFragmentPause);
        co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, error));
    }
    watchdog.cancel();
    if (error == asio::error::eof || (!error)) {
        co_return tls::ClientHelloInfo{tls::HelloStatus::not_tls, std::nullopt, false};
    }
    co_return tls::ClientHelloInfo{};  // incomplete: the deadline passed
}

}  // namespace egress::intercept
