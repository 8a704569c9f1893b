#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace common {

// A request that got no HTTP response: unreachable, timed out, cancelled, or a malformed reply.
class HttpClientError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct HttpClientResponse {
    int status = 0;
    std::string body;
};

using HttpClientHeaders = std::vector<std::pair<std::string, std::string>>;

// Blocking HTTP/1.1 requests over plain TCP to one host, one connection per request. Small on purpose:
// it serves the daemons' few outgoing calls (the Jupyter REST API, OTLP export) without a TLS library.
class HttpClient {
  public:
    struct Options {
        std::chrono::milliseconds connect_timeout{5000};
        std::chrono::milliseconds exchange_timeout{60000};  // sending the request and reading the response
        uint32_t socket_mark = 0;                           // SO_MARK for the socket; 0 leaves it unmarked
        std::size_t max_response_bytes = 64 * 1024 * 1024;
    };

    HttpClient(std::string host, uint16_t port, Options options);

    // Throws HttpClientError when no complete response arrives.
    HttpClientResponse request(std::string_view method, std::string_view target,
                               const HttpClientHeaders& headers = {}, std::string_view body = {},
                               std::string_view content_type = {});

    // Thread-safe: the request in progress, and every later one, fails with "cancelled".
    void cancel();

  private:
    const std::string host_;
    const uint16_t port_;
    const Options options_;

    std::mutex mutex_;
    bool cancelled_ = false;
    boost::asio::io_context* active_ = nullptr;
};

}  // namespace common
