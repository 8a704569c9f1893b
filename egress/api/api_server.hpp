#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "api/policy_handlers.hpp"
#include "common/metrics.hpp"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace egress::api {

struct ApiServerSettings {
    std::string host;  // empty: every interface (IPv6 and IPv4, or IPv4 alone without IPv6)
    uint16_t port = 18080;
    std::string token;  // empty: no authentication
    size_t max_body_bytes = 1 << 20;
    size_t worker_threads = 4;
    std::chrono::seconds read_timeout{5};
    std::chrono::seconds write_timeout{5};
    std::chrono::seconds keep_alive_timeout{5};
};

// The sidecar's HTTP API: /policy (authenticated when a token is set), /healthz and /metrics,
// served by a fixed pool of workers on its own accept thread.
class ApiServer {
  public:
    ApiServer(ApiServerSettings settings, PolicyHandlers& policy, const common::MetricsRegistry& metrics);
    ~ApiServer();
    ApiServer(const ApiServer&) = delete;
    ApiServer& operator=(const ApiServer&) = delete;

    // Binds and starts serving; throws std::runtime_error naming the address when binding fails.
    void start();
    // Stops accepting and waits for the accept thread; requests in progress finish first.
    void stop();
    uint16_t port() const { return bound_port_; }

  private:
    void install_routes();
    // Everything that needs no body: auth, 404, 405, /healthz, /metrics. True when answered.
    bool answer_before_body(const httplib::Request& request, httplib::Response& response);
    void bind();

    ApiServerSettings settings_;
    PolicyHandlers& policy_;
    const common::MetricsRegistry& metrics_;
    std::unique_ptr<httplib::Server> server_;
    std::thread listener_;
    uint16_t bound_port_ = 0;
};

}  // namespace egress::api
