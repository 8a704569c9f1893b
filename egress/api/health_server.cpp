#include "api/health_server.hpp"

namespace egress::api {
namespace {

HttpServiceLimits probe_limits() {
    HttpServiceLimits limits;
    limits.request_deadline = std::chrono::seconds(2);
    limits.write_timeout = std::chrono::seconds(2);
    limits.max_header_bytes = 4096;
    limits.max_body_bytes = 0;
    limits.max_connections = 32;
    return limits;
}

ApiResponse verdict(const HealthServer::Check& check) {
    if (const auto problem = check()) {
        return text_error(503, *problem);
    }
    return plain_ok();
}

}  // namespace

HealthServer::HealthServer(uint16_t port, Check liveness, Check readiness)
    : requested_port_(port),
      liveness_(std::move(liveness)),
      readiness_(std::move(readiness)),
      service_("health probes", *this, probe_limits()) {}

void HealthServer::start() {
    service_.bind("", requested_port_);
    service_.start();
}

std::optional<ApiResponse> HealthServer::answer_head(const HttpRequest& head) {
    if (head.path == "/healthz") {
        return verdict(liveness_);
    }
    if (head.path == "/readyz") {
        return verdict(readiness_);
    }
    return text_error(404, "404 page not found");
}

ApiResponse HealthServer::answer(const HttpRequest&) {
    return text_error(404, "404 page not found");  // every path is answered from its head
}

}  // namespace egress::api
