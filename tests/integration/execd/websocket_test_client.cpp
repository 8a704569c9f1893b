#include "websocket_test_client.hpp"

#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <stdexcept>

namespace execd_test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;

struct WebSocketTestClient::Impl {
    asio::io_context io;
    websocket::stream<tcp::socket> ws{io};
    beast::flat_buffer buffer;
    std::deque<Message> inbox;
    bool reading = false;
    bool closed = false;

    void start_read() {
        if (reading || closed) {
            return;
        }
        reading = true;
        ws.async_read(buffer, [this](beast::error_code error, std::size_t) {
            reading = false;
            if (error) {
                closed = true;
                return;
            }
            inbox.push_back(Message{ws.got_binary(), beast::buffers_to_string(buffer.data())});
            buffer.consume(buffer.size());
        });
    }

    // Runs the loop until `done` or the deadline.
    template <typename Done>
    void run_until(Done done, std::chrono::steady_clock::time_point deadline) {
        while (!done() && std::chrono::steady_clock::now() < deadline) {
            start_read();
            io.restart();
            io.run_one_until(deadline);
        }
    }
};

WebSocketTestClient::WebSocketTestClient(uint16_t port, const std::string& target, int receive_buffer,
                                         const std::string& access_token)
    : impl_(std::make_unique<Impl>()) {
    auto& socket = beast::get_lowest_layer(impl_->ws);
    socket.open(tcp::v4());
    if (receive_buffer > 0) {
        socket.set_option(asio::socket_base::receive_buffer_size(receive_buffer));
    }
    socket.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port));
    socket.set_option(tcp::no_delay(true));
    if (!access_token.empty()) {
        impl_->ws.set_option(
            websocket::stream_base::decorator([access_token](websocket::request_type& request) {
                request.set("X-EXECD-ACCESS-TOKEN", access_token);
            }));
    }
    websocket::response_type response;
    beast::error_code error;
    impl_->ws.handshake(response, "127.0.0.1", target, error);
    if (error) {
        throw std::runtime_error("websocket handshake failed: " + error.message() + " (HTTP " +
                                 std::to_string(response.result_int()) + ")");
    }
}

WebSocketTestClient::~WebSocketTestClient() = default;

void WebSocketTestClient::send_binary(const std::string& payload) {
    impl_->ws.binary(true);
    impl_->ws.write(asio::buffer(payload));
}

void WebSocketTestClient::send_text(const std::string& payload) {
    impl_->ws.binary(false);
    impl_->ws.write(asio::buffer(payload));
}

std::optional<WebSocketTestClient::Message> WebSocketTestClient::read(std::chrono::milliseconds timeout) {
    impl_->run_until([&] { return !impl_->inbox.empty() || impl_->closed; },
                     std::chrono::steady_clock::now() + timeout);
    if (impl_->inbox.empty()) {
        return std::nullopt;
    }
    Message message = std::move(impl_->inbox.front());
    impl_->inbox.pop_front();
    if (message.binary && !message.payload.empty()) {
        if (message.payload[0] == 0x01 || message.payload[0] == 0x02) {
            output_ += message.payload.substr(1);
        } else if (message.payload[0] == 0x03 && message.payload.size() >= 9) {
            output_ += message.payload.substr(9);
        }
    }
    return message;
}

std::string WebSocketTestClient::read_output_until(const std::string& needle,
                                                   std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string collected;
    while (collected.find(needle) == std::string::npos) {
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) {
            break;
        }
        const auto message = read(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
        if (!message) {
            break;
        }
        if (message->binary && !message->payload.empty() &&
            (message->payload[0] == 0x01 || message->payload[0] == 0x02)) {
            collected += message->payload.substr(1);
        }
    }
    return collected;
}

std::optional<uint16_t> WebSocketTestClient::wait_closed(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!impl_->closed && std::chrono::steady_clock::now() < deadline) {
        impl_->inbox.clear();
        impl_->run_until([&] { return !impl_->inbox.empty() || impl_->closed; }, deadline);
    }
    if (!impl_->closed || impl_->ws.reason().code == websocket::close_code::none) {
        return std::nullopt;
    }
    return static_cast<uint16_t>(impl_->ws.reason().code);
}

bool WebSocketTestClient::closed() const {
    return impl_->closed;
}

void WebSocketTestClient::abort() {
    ::shutdown(beast::get_lowest_layer(impl_->ws).native_handle(), SHUT_RDWR);
}

void WebSocketTestClient::close() {
    beast::error_code ignored;
    beast::get_lowest_layer(impl_->ws).close(ignored);
    impl_->closed = true;
}

}  // namespace execd_test
