#include "intercept/upstream_connect.hpp"

#include <sys/socket.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace egress::intercept {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

tcp::endpoint to_asio(const common::IpEndpoint& endpoint) {
    const auto bytes = endpoint.address().bytes();
    if (endpoint.address().is_v4()) {
        asio::ip::address_v4::bytes_type v4{};
        std::copy(bytes.begin(), bytes.end(), v4.begin());
        return {asio::ip::address_v4(v4), endpoint.port()};
    }
    asio::ip::address_v6::bytes_type v6{};
    std::copy(bytes.begin(), bytes.end(), v6.begin());
    return {asio::ip::address_v6(v6), endpoint.port()};
}

}  // namespace

asio::awaitable<void> connect_marked(boost::beast::tcp_stream& stream, const common::IpEndpoint& destination,
                                     uint32_t mark, std::chrono::milliseconds timeout) {
    const tcp::endpoint target = to_asio(destination);
    stream.socket().open(target.protocol());
    if (setsockopt(stream.socket().native_handle(), SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) != 0) {
        throw boost::system::system_error(errno, boost::system::system_category(), "setting SO_MARK");
    }
    stream.expires_after(timeout);
    co_await stream.async_connect(target, asio::use_awaitable);
    stream.socket().set_option(tcp::no_delay(true));
}

}  // namespace egress::intercept
