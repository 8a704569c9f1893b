#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "api/http_routes.hpp"
#include "api/http_service.hpp"
#include "api/policy_handlers.hpp"
#include "api/policy_insight_handlers.hpp"
#include "api/vault_handlers.hpp"
#include "common/metrics.hpp"

namespace egress::api {

struct ApiServerSettings {
    std::string host;  // empty: every interface (IPv6 and IPv4, or IPv4 alone without IPv6)
    uint16_t port = 18080;
    std::string token;  // empty: no authentication
    HttpServiceLimits limits;
};

// The sidecar's HTTP API: /policy, /policy/{mode,explain,stats,suggestions} and
// /credential-vault (authenticated when a token is set), /healthz and /metrics.
class ApiServer : private HttpRoutes {
  public:
    ApiServer(ApiServerSettings settings, PolicyHandlers& policy, PolicyInsightHandlers& insight,
              VaultHandlers& vault, const common::MetricsRegistry& metrics);
    ApiServer(const ApiServer&) = delete;
    ApiServer& operator=(const ApiServer&) = delete;

    // Binds and starts serving; throws std::runtime_error naming the address when binding fails.
    void start();
    // Stops accepting and closes every connection.
    void stop() { service_.stop(); }
    uint16_t port() const { return service_.port(); }

  private:
    // Everything that needs no body: auth, 404, 405, /healthz, /metrics.
    std::optional<ApiResponse> answer_head(const HttpRequest& head) override;
    ApiResponse answer(const HttpRequest& request) override;
    // The /policy/... views (GET) and the mode switch (PUT, POST), after authentication.
    std::optional<ApiResponse> answer_policy_subresource_head(const HttpRequest& head);

    ApiServerSettings settings_;
    PolicyHandlers& policy_;
    PolicyInsightHandlers& insight_;
    VaultHandlers& vault_;
    const common::MetricsRegistry& metrics_;
    HttpService service_;
};

}  // namespace egress::api
