#include "proxy_upstream_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <mutex>
#include <thread>
#include <vector>

namespace execd_test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;

namespace {

void echo_websocket(tcp::socket socket, const bhttp::request<bhttp::string_body>& request) {
    websocket::stream<tcp::socket> ws(std::move(socket));
    ws.accept(request);
    beast::flat_buffer buffer;
    while (true) {
        beast::error_code error;
        ws.read(buffer, error);
        if (error) {
            return;
        }
        ws.text(ws.got_text());
        ws.write(buffer.data(), error);
        buffer.consume(buffer.size());
        if (error) {
            return;
        }
    }
}

void stream(tcp::socket& socket) {
    const std::string head =
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n";
    asio::write(socket, asio::buffer(head + "6\r\nfirst\n\r\n"));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    beast::error_code ignored;
    asio::write(socket, asio::buffer(std::string("7\r\nsecond\n\r\n0\r\n\r\n")), ignored);
}

void echo_request(tcp::socket& socket, const bhttp::request<bhttp::string_body>& request) {
    std::string body = std::string(request.method_string()) + " " + std::string(request.target()) + "\n";
    for (const auto& field : request) {
        body += std::string(field.name_string()) + ": " + std::string(field.value()) + "\n";
    }
    body += "\n" + request.body();
    bhttp::response<bhttp::string_body> response{bhttp::status::ok, 11};
    response.set(bhttp::field::content_type, "text/plain");
    response.body() = body;
    response.prepare_payload();
    beast::error_code ignored;
    bhttp::write(socket, response, ignored);
}

void serve(tcp::socket socket) {
    beast::flat_buffer buffer;
    while (true) {
        bhttp::request<bhttp::string_body> request;
        beast::error_code error;
        bhttp::read(socket, buffer, request, error);
        if (error) {
            return;
        }
        if (websocket::is_upgrade(request)) {
            echo_websocket(std::move(socket), request);
            return;
        }
        if (request.target() == "/stream") {
            stream(socket);
            return;
        }
        echo_request(socket, request);
        if (!request.keep_alive()) {
            socket.shutdown(tcp::socket::shutdown_send, error);
            return;
        }
    }
}

}  // namespace

struct ProxyUpstreamServer::Impl {
    asio::io_context io;
    tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::address_v4::loopback(), 0)};
    std::thread accepting;
    std::mutex mutex;
    std::vector<std::thread> connections;
};

ProxyUpstreamServer::ProxyUpstreamServer() : impl_(std::make_unique<Impl>()) {
    impl_->accepting = std::thread([impl = impl_.get()] {
        while (true) {
            beast::error_code error;
            tcp::socket socket(impl->io);
            impl->acceptor.accept(socket, error);
            if (error) {
                return;
            }
            std::lock_guard lock(impl->mutex);
            impl->connections.emplace_back(serve, std::move(socket));
        }
    });
}

ProxyUpstreamServer::~ProxyUpstreamServer() {
    beast::error_code ignored;
    impl_->acceptor.cancel(ignored);
    ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
    impl_->accepting.join();
    for (auto& connection : impl_->connections) {
        connection.join();
    }
}

uint16_t ProxyUpstreamServer::port() const {
    return impl_->acceptor.local_endpoint().port();
}

}  // namespace execd_test
