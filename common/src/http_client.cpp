#include "common/http_client.hpp"

#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cerrno>
#include <cstring>

namespace common {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

// Runs the context until the one operation started before it completes. `outcome` stays would_block
// when the context was stopped instead (cancel()).
error_code run_until_done(asio::io_context& context, error_code& outcome) {
    outcome = asio::error::would_block;
    context.restart();
    context.run();
    return outcome;
}

std::string describe(const error_code& error, std::string_view step) {
    if (error == asio::error::would_block) {
        return "cancelled";
    }
    if (error == beast::error::timeout) {
        return std::string(step) + " timed out";
    }
    return std::string(step) + ": " + error.message();
}

void set_mark(tcp::socket& socket, uint32_t mark) {
    if (mark != 0 && ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_MARK, &mark, sizeof mark) != 0) {
        throw HttpClientError("cannot mark the socket: " + std::string(std::strerror(errno)));
    }
}

// A numeric host needs no resolver (whose lookups run on a thread of their own).
std::vector<tcp::endpoint> resolve(asio::io_context& context, const std::string& host, uint16_t port) {
    error_code not_numeric;
    const auto numeric = asio::ip::make_address(host, not_numeric);
    if (!not_numeric) {
        return {tcp::endpoint(numeric, port)};
    }
    tcp::resolver resolver(context);
    std::vector<tcp::endpoint> endpoints;
    error_code outcome;
    resolver.async_resolve(host, std::to_string(port),
                           [&](error_code error, tcp::resolver::results_type found) {
                               outcome = error;
                               for (const auto& entry : found) {
                                   endpoints.push_back(entry.endpoint());
                               }
                           });
    if (const auto error = run_until_done(context, outcome)) {
        throw HttpClientError(describe(error, "resolving " + host));
    }
    return endpoints;
}

}  // namespace

HttpClient::HttpClient(std::string host, uint16_t port, Options options)
    : host_(std::move(host)), port_(port), options_(options) {}

void HttpClient::cancel() {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    if (active_ != nullptr) {
        active_->stop();
    }
}

HttpClientResponse HttpClient::request(std::string_view method, std::string_view target,
                                       const HttpClientHeaders& headers, std::string_view body,
                                       std::string_view content_type) {
    const http::verb verb = http::string_to_verb(beast::string_view(method.data(), method.size()));
    if (verb == http::verb::unknown) {
        throw HttpClientError("unknown HTTP method " + std::string(method));
    }
    // A context per request: a stopped request leaves no operation behind for the next one to run.
    asio::io_context context;
    {
        std::lock_guard lock(mutex_);
        if (cancelled_) {
            throw HttpClientError("cancelled");
        }
        active_ = &context;
    }
    struct Deactivate {
        HttpClient& client;
        ~Deactivate() {
            std::lock_guard lock(client.mutex_);
            client.active_ = nullptr;
        }
    } deactivate{*this};

    error_code outcome;
    const std::vector<tcp::endpoint> addresses = resolve(context, host_, port_);
    beast::tcp_stream stream(context);
    error_code connect_error = asio::error::host_not_found;
    for (const auto& address : addresses) {
        stream.socket().close();
        stream.socket().open(address.protocol());
        set_mark(stream.socket(), options_.socket_mark);
        stream.expires_after(options_.connect_timeout);
        stream.async_connect(address, [&](error_code error) { outcome = error; });
        connect_error = run_until_done(context, outcome);
        if (!connect_error || connect_error == asio::error::would_block) {
            break;
        }
    }
    if (connect_error) {
        throw HttpClientError(
            describe(connect_error, "connecting to " + host_ + ":" + std::to_string(port_)));
    }

    http::request<http::string_body> message{verb, std::string(target), 11};
    const bool ipv6 = host_.find(':') != std::string::npos;
    message.set(http::field::host, (ipv6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_));
    for (const auto& [name, value] : headers) {
        message.set(name, value);
    }
    if (!content_type.empty()) {
        message.set(http::field::content_type, std::string(content_type));
    }
    message.body() = std::string(body);
    message.keep_alive(false);
    message.prepare_payload();

    stream.expires_after(options_.exchange_timeout);
    http::async_write(stream, message, [&](error_code error, std::size_t) { outcome = error; });
    if (const auto error = run_until_done(context, outcome)) {
        throw HttpClientError(describe(error, "sending the request"));
    }
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(options_.max_response_bytes);
    http::async_read(stream, buffer, parser, [&](error_code error, std::size_t) { outcome = error; });
    if (const auto error = run_until_done(context, outcome)) {
        throw HttpClientError(describe(error, "reading the response"));
    }
    auto response = parser.release();
    return {static_cast<int>(response.result_int()), std::move(response.body())};
}

}  // namespace common
