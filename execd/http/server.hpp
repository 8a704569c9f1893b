#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "http/access_token.hpp"
#include "http/router.hpp"

namespace execd::http {

struct ServerOptions {
    std::string address = "0.0.0.0";
    uint16_t port = 44772;
    std::size_t max_body_bytes = 16 * 1024 * 1024;
    std::size_t max_header_bytes = 64 * 1024;
    std::chrono::milliseconds idle_timeout{std::chrono::seconds(90)};    // waiting for a request
    std::chrono::milliseconds header_timeout{std::chrono::seconds(10)};  // its header, once it began
    std::chrono::milliseconds body_timeout{std::chrono::seconds(60)};
    std::chrono::milliseconds write_timeout{std::chrono::seconds(60)};  // one write to a slow reader
    // Connections held at most (connection_limit.hpp); 0: half the descriptor limit, 16 to 4096.
    std::size_t max_connections = 0;
    unsigned threads = 2;
};

// The HTTP/1.1 server: keep-alive, request size limits and timeouts, the access-token check before
// routing (as upstream's middleware does, unknown routes included), then the router's handler.
// Handlers run on the network threads and must hand anything slow to a worker.
class Server {
  public:
    Server(ServerOptions options, const Router& router, AccessToken token);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds and listens; throws std::system_error on failure. Returns the bound port.
    uint16_t listen();
    // Starts the network threads.
    void start();
    // Closes the listening socket; open connections continue.
    void stop_accepting();
    // Responses still being written (streams included) to clients that are still connected.
    std::size_t active_responses() const;
    // Stops the network threads, dropping every connection.
    void stop();

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace execd::http
