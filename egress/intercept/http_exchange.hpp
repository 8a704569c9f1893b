#pragma once

#include <spdlog/spdlog.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "intercept/byte_pump.hpp"
#include "intercept/credential_decision.hpp"
#include "intercept/intercept_metrics.hpp"
#include "intercept/stream_timeouts.hpp"

// The proxy's HTTP/1.1 loop on a connection it reads: each request is matched against the
// bindings in force at that moment, given its credential or refused, and streamed to the server
// with its response streamed back, both of any size; an upgrade becomes a byte relay.
namespace egress::intercept {

namespace http = boost::beast::http;

using CurrentBindings = std::function<std::shared_ptr<const vault::ActiveBindings>()>;

struct ExchangeSettings {
    ConnectionFacts facts;
    CurrentBindings bindings;
    NamesOfAddress names_of;
    std::chrono::milliseconds idle_timeout;
    size_t max_header_bytes;
};

// Bodies of any size stream through. (Not boost::none: Boost 1.74 compares a Content-Length with an
// empty optional limit as "too large".)
inline constexpr uint64_t unlimited_body = std::numeric_limits<uint64_t>::max();

inline bool is_benign_end(const boost::system::error_code& error) {
    return error == http::error::end_of_stream || error == boost::asio::error::eof ||
           error == boost::asio::ssl::error::stream_truncated;
}

// Streams one message's body from input to output through a bounded buffer; the serializer sends
// the (possibly rewritten) header first. Throws on a failure of either side.
template <bool IsRequest, typename Input, typename Output>
asio::awaitable<void> relay_message(Input& input, boost::beast::flat_buffer& buffer,
                                    http::parser<IsRequest, http::buffer_body>& parser, Output& output,
                                    std::chrono::milliseconds idle_timeout) {
    http::serializer<IsRequest, http::buffer_body> serializer(parser.get());
    std::vector<char> chunk(pump_chunk_bytes);
    boost::system::error_code error;
    do {
        auto& body = parser.get().body();
        if (!parser.is_done()) {
            body.data = chunk.data();
            body.size = chunk.size();
            expire_after(input, idle_timeout);
            co_await http::async_read(input, buffer, parser,
                                      asio::redirect_error(asio::use_awaitable, error));
            if (error && error != http::error::need_buffer) {
                throw boost::system::system_error(error);
            }
            body.size = chunk.size() - body.size;
            body.data = chunk.data();
            body.more = !parser.is_done();
        } else {
            body.data = nullptr;
            body.size = 0;
            body.more = false;
        }
        expire_after(output, idle_timeout);
        co_await http::async_write(output, serializer, asio::redirect_error(asio::use_awaitable, error));
        if (error && error != http::error::need_buffer) {
            throw boost::system::system_error(error);
        }
    } while (!parser.is_done() || !serializer.is_done());
}

// An answer of the proxy's own; the connection closes after it.
template <typename Stream>
asio::awaitable<void> answer_and_close(Stream& client, http::status status, const std::string& text,
                                       std::chrono::milliseconds timeout) {
    http::response<http::string_body> answer{status, 11};
    answer.set(http::field::content_type, "text/plain; charset=utf-8");
    answer.set(http::field::connection, "close");
    answer.body() = text + "\n";
    answer.prepare_payload();
    expire_after(client, timeout);
    boost::system::error_code ignored;
    co_await http::async_write(client, answer, asio::redirect_error(asio::use_awaitable, ignored));
}

inline http::status status_of(Verdict verdict) {
    switch (verdict) {
        case Verdict::ambiguous:
            return http::status::forbidden;
        case Verdict::misdirected:
            return http::status::misdirected_request;
        default:
            return http::status::bad_request;
    }
}

inline const char* name_of(Verdict verdict) {
    switch (verdict) {
        case Verdict::forward:
            return "forward";
        case Verdict::inject:
            return "inject";
        case Verdict::ambiguous:
            return "ambiguous";
        case Verdict::misdirected:
            return "misdirected";
        case Verdict::unmatchable_path:
            return "unmatchable_path";
    }
    return "forward";
}

inline void log_injection(const http::request_header<>& request, const ConnectionFacts& facts,
                          const vault::ActiveBinding& binding, int64_t revision) {
    std::string names;
    for (const auto& header : binding.headers) {
        names += (names.empty() ? "" : ",") + header.name;
    }
    spdlog::info("credential proxy: injected binding {} (revision {}) into {} {}://{} headers [{}]",
                 binding.name, revision, std::string(request.method_string()), std::string(facts.scheme),
                 host_of(text_of(request[http::field::host])), names);
}

template <typename Stream>
asio::awaitable<void> flush_leftovers(boost::beast::flat_buffer& buffer, Stream& to) {
    if (buffer.size() > 0) {
        co_await asio::async_write(to, buffer.data(), asio::use_awaitable);
        buffer.consume(buffer.size());
    }
}

// Reads the response(s) to one request and streams them to the client. Returns false when the
// connection must not carry another request; after a 101 it relays bytes until both sides end.
template <typename Client, typename Upstream>
asio::awaitable<bool> relay_response(Client& client, boost::beast::flat_buffer& client_buffer,
                                     Upstream& upstream, boost::beast::flat_buffer& upstream_buffer,
                                     bool head_request, const vault::ActiveBindings* redact_with,
                                     const ExchangeSettings& settings) {
    for (;;) {
        http::response_parser<http::buffer_body> response;
        response.header_limit(static_cast<uint32_t>(settings.max_header_bytes));
        response.body_limit(unlimited_body);
        response.skip(head_request);
        expire_after(upstream, settings.idle_timeout);
        co_await http::async_read_header(upstream, upstream_buffer, response, asio::use_awaitable);
        if (redact_with != nullptr) {
            redact_response(response.get().base(), *redact_with);
        }
        const unsigned status = response.get().result_int();
        co_await relay_message(upstream, upstream_buffer, response, client, settings.idle_timeout);
        if (status == 101) {
            co_await flush_leftovers(client_buffer, upstream);
            co_await flush_leftovers(upstream_buffer, client);
            co_await pump_both_ways(client, upstream, close_both(client, upstream),
                                    close_both(client, upstream));
            co_return false;
        }
        if (status >= 200) {
            co_return response.keep_alive();
        }
    }
}

// Serves requests until either side closes or a request or response ends the connection.
template <typename Client, typename Upstream>
asio::awaitable<void> serve_requests(Client& client, Upstream& upstream, const ExchangeSettings& settings,
                                     InterceptMetrics& metrics) {
    boost::beast::flat_buffer client_buffer;
    boost::beast::flat_buffer upstream_buffer;
    for (;;) {
        http::request_parser<http::buffer_body> request;
        request.header_limit(static_cast<uint32_t>(settings.max_header_bytes));
        request.body_limit(unlimited_body);
        boost::system::error_code error;
        expire_after(client, settings.idle_timeout);
        co_await http::async_read_header(client, client_buffer, request,
                                         asio::redirect_error(asio::use_awaitable, error));
        if (error) {
            if (!is_benign_end(error) && error != boost::beast::error::timeout) {
                co_await answer_and_close(client, http::status::bad_request,
                                          "credential proxy: " + error.message(), settings.idle_timeout);
            }
            co_return;
        }
        auto& message = request.get();
        const auto bindings = settings.bindings();
        const auto decision = decide(message.base(), settings.facts, bindings.get(), settings.names_of);
        metrics.request(name_of(decision.verdict));
        if (decision.verdict != Verdict::forward && decision.verdict != Verdict::inject) {
            co_await answer_and_close(client, status_of(decision.verdict), decision.reason,
                                      settings.idle_timeout);
            co_return;
        }
        const bool injected = decision.verdict == Verdict::inject;
        if (injected) {
            inject_credential(message.base(), *decision.binding);
            log_injection(message.base(), settings.facts, *decision.binding, bindings->revision());
        }
        if (boost::beast::iequals(message[http::field::expect], "100-continue")) {
            // Answered here: the server never sees the expectation, the client sends at once.
            message.erase(http::field::expect);
            co_await asio::async_write(
                client, asio::buffer(std::string_view("HTTP/1.1 100 Continue\r\n\r\n")), asio::use_awaitable);
        }
        const bool head_request = message.method() == http::verb::head;
        const bool client_keeps_alive = request.keep_alive();
        co_await relay_message(client, client_buffer, request, upstream, settings.idle_timeout);
        const bool server_keeps_alive =
            co_await relay_response(client, client_buffer, upstream, upstream_buffer, head_request,
                                    injected ? bindings.get() : nullptr, settings);
        if (!client_keeps_alive || !server_keeps_alive) {
            co_return;
        }
    }
}

}  // namespace egress::intercept
