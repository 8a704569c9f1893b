#include "proxy_upstream_server.hpp"

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cstdio>
#include <functional>
#include <limits>
#include <memory>
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

using HeadParser = bhttp::request_parser<bhttp::buffer_body>;

// Reads the next bytes of the body into data[0, size); returns how many, 0 at the end of the body or
// when the client went away (`failed`).
std::size_t read_piece(tcp::socket& socket, beast::flat_buffer& buffer, HeadParser& parser, char* data,
                       std::size_t size, bool& failed) {
    while (!parser.is_done()) {
        parser.get().body().data = data;
        parser.get().body().size = size;
        beast::error_code error;
        bhttp::read_some(socket, buffer, parser, error);
        if (error && error != bhttp::error::need_buffer) {
            failed = true;
            return 0;
        }
        if (const std::size_t got = size - parser.get().body().size; got > 0) {
            return got;
        }
    }
    return 0;
}

void write_text(tcp::socket& socket, const std::string& text) {
    beast::error_code ignored;
    asio::write(socket,
                asio::buffer("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                             std::to_string(text.size()) + "\r\nConnection: close\r\n\r\n" + text),
                ignored);
}

// "/count": reads the body as it comes and answers with its size and checksum.
void count_body(tcp::socket& socket, beast::flat_buffer& buffer, HeadParser& parser,
                std::atomic<int>& aborted_bodies) {
    uint64_t bytes = 0;
    uint64_t sum = 0;
    std::string block(ProxyUpstreamServer::kChecksumBlock, '\0');
    std::size_t filled = 0;
    bool failed = false;
    while (const std::size_t got =
               read_piece(socket, buffer, parser, block.data() + filled, block.size() - filled, failed)) {
        bytes += got;
        filled += got;
        if (filled == block.size()) {
            sum = ProxyUpstreamServer::add_to_checksum(sum, block);
            filled = 0;
        }
    }
    if (failed) {
        ++aborted_bodies;
        return;
    }
    if (filled > 0) {
        sum = ProxyUpstreamServer::add_to_checksum(sum, std::string_view(block.data(), filled));
    }
    write_text(socket, "bytes=" + std::to_string(bytes) + " sum=" + std::to_string(sum));
}

// "/duplex": answers at once with a chunked body that echoes each piece of the request body as it
// arrives.
void echo_pieces(tcp::socket& socket, beast::flat_buffer& buffer, HeadParser& parser) {
    beast::error_code error;
    asio::write(socket, asio::buffer(std::string("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")),
                error);
    std::string piece(64 * 1024, '\0');
    bool failed = false;
    while (!error) {
        const std::size_t got = read_piece(socket, buffer, parser, piece.data(), piece.size(), failed);
        if (got == 0) {
            break;
        }
        char size[32];
        const int length = std::snprintf(size, sizeof size, "%zx\r\n", got);
        asio::write(
            socket,
            asio::buffer(std::string(size, static_cast<std::size_t>(length)) + piece.substr(0, got) + "\r\n"),
            error);
    }
    if (!failed && !error) {
        asio::write(socket, asio::buffer(std::string("0\r\n\r\n")), error);
    }
}

// "/early": refuses the body without reading any of it, and closes.
void refuse_early(tcp::socket& socket) {
    beast::error_code ignored;
    asio::write(socket,
                asio::buffer(std::string("HTTP/1.1 413 Payload Too Large\r\nContent-Length: 9\r\n"
                                         "Connection: close\r\n\r\ntoo large")),
                ignored);
    socket.close(ignored);
}

// "/partial": announces 100 bytes of body, sends none and closes.
void answer_partially(tcp::socket& socket) {
    beast::error_code ignored;
    asio::write(socket, asio::buffer(std::string("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")), ignored);
    socket.close(ignored);
}

// "/drop": reads some of the body, then closes without answering.
void drop_mid_body(tcp::socket& socket, beast::flat_buffer& buffer, HeadParser& parser) {
    std::string piece(64 * 1024, '\0');
    bool failed = false;
    std::size_t bytes = 0;
    while (bytes < piece.size()) {
        const std::size_t got = read_piece(socket, buffer, parser, piece.data(), piece.size(), failed);
        if (got == 0) {
            break;
        }
        bytes += got;
    }
    beast::error_code ignored;
    socket.close(ignored);
}

void serve(tcp::socket socket, std::atomic<int>& aborted_bodies) {
    beast::flat_buffer buffer;
    while (true) {
        HeadParser head;
        head.body_limit(std::numeric_limits<std::uint64_t>::max());
        beast::error_code error;
        bhttp::read_header(socket, buffer, head, error);
        if (error) {
            return;
        }
        const std::string target(head.get().target());
        if (target == "/count") {
            count_body(socket, buffer, head, aborted_bodies);
            return;
        }
        if (target == "/duplex") {
            echo_pieces(socket, buffer, head);
            return;
        }
        if (target == "/early") {
            refuse_early(socket);
            return;
        }
        if (target == "/partial") {
            answer_partially(socket);
            return;
        }
        if (target == "/drop") {
            drop_mid_body(socket, buffer, head);
            return;
        }
        bhttp::request_parser<bhttp::string_body> parser(std::move(head));
        bhttp::read(socket, buffer, parser, error);
        if (error) {
            return;
        }
        const auto& request = parser.get();
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
    std::atomic<int> aborted_bodies{0};
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
            impl->connections.emplace_back(serve, std::move(socket), std::ref(impl->aborted_bodies));
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

uint64_t ProxyUpstreamServer::add_to_checksum(uint64_t sum, std::string_view block) {
    return sum * 31 + std::hash<std::string_view>{}(block);
}

int ProxyUpstreamServer::aborted_bodies() const {
    return impl_->aborted_bodies.load();
}

}  // namespace execd_test
