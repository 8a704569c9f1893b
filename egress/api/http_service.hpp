#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "api/http_routes.hpp"

namespace egress::api {

struct HttpServiceLimits {
    // From the moment a connection waits for a request until the request's last body byte: a
    // client that sends slowly is closed when it runs out, whether or not it authenticated.
    std::chrono::milliseconds request_deadline{5000};
    std::chrono::milliseconds write_timeout{5000};
    size_t max_header_bytes = 16 * 1024;
    size_t max_body_bytes = 1 << 20;
    // At the cap, a new connection closes the one that has waited longest for its request; it is
    // refused only when every connection is being answered.
    size_t max_connections = 128;
};

// A small HTTP/1.1 server on its own thread: asynchronous, so slow clients hold no thread, with one
// deadline per request that applies before any route sees it.
class HttpService {
  public:
    HttpService(std::string name, HttpRoutes& routes, HttpServiceLimits limits);
    ~HttpService();
    HttpService(const HttpService&) = delete;
    HttpService& operator=(const HttpService&) = delete;

    // Listens on host:port (empty host: "::" for IPv6 and IPv4, or "0.0.0.0" where IPv6 is off;
    // port 0: any free port). Throws std::runtime_error naming the address.
    void bind(const std::string& host, uint16_t port);
    uint16_t port() const;
    // Serves on a thread of its own until stop().
    void start();
    // Closes the listener and every connection, then joins the thread.
    void stop();

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace egress::api
