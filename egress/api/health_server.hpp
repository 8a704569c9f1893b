#pragma once

#include <functional>
#include <optional>
#include <string>

#include "api/http_routes.hpp"
#include "api/http_service.hpp"

namespace egress::api {

// Liveness (GET /healthz) and readiness (GET /readyz) for the orchestrator's probes, on a port of
// their own: clients of the policy API, however many or slow, cannot starve them. No token.
class HealthServer : private HttpRoutes {
  public:
    // nullopt: healthy; otherwise why not (the 503's body).
    using Check = std::function<std::optional<std::string>()>;

    HealthServer(uint16_t port, Check liveness, Check readiness);
    HealthServer(const HealthServer&) = delete;
    HealthServer& operator=(const HealthServer&) = delete;

    // Binds every interface and starts serving; throws std::runtime_error naming the port.
    void start();
    void stop() { service_.stop(); }
    uint16_t port() const { return service_.port(); }

  private:
    std::optional<ApiResponse> answer_head(const HttpRequest& head) override;
    ApiResponse answer(const HttpRequest& request) override;

    uint16_t requested_port_;
    Check liveness_;
    Check readiness_;
    HttpService service_;
};

}  // namespace egress::api
