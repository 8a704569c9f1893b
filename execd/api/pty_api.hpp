#pragma once

#include <chrono>
#include <memory>

#include "http/router.hpp"
#include "http/websocket_connection.hpp"
#include "process/worker_pool.hpp"
#include "pty/pty_registry.hpp"

namespace execd::api {

// POST /pty, GET /pty/:id, DELETE /pty/:id and the session's WebSocket GET /pty/:id/ws.
class PtyApi {
  public:
    PtyApi(pty::PtyRegistry& registry, process::WorkerPool& workers,
           http::WebSocketOptions websocket_options);

    void register_routes(http::Router& router);

  private:
    void create(http::Request& request, std::shared_ptr<http::ResponseChannel> channel);
    void describe(http::Request& request, std::shared_ptr<http::ResponseChannel> channel);
    void remove(http::Request& request, std::shared_ptr<http::ResponseChannel> channel);
    void connect(http::Request& request, std::shared_ptr<http::ResponseChannel> channel);

    pty::PtyRegistry& registry_;
    process::WorkerPool& workers_;
    const http::WebSocketOptions websocket_options_;
};

}  // namespace execd::api
