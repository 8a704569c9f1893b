#include "api/api_server.hpp"

#include "api/token_check.hpp"

namespace egress::api {
namespace {

constexpr const char* kAuthHeader = "OPENSANDBOX-EGRESS-AUTH";
constexpr const char* kPolicyMethods = "GET, POST, PUT, PATCH, DELETE";

constexpr const char* kModePath = "/policy/mode";

bool is_policy_subresource(const std::string& path) {
    return path == kModePath || path == "/policy/explain" || path == "/policy/stats" ||
           path == "/policy/suggestions";
}

bool is_policy_method(const std::string& method) {
    return method == "GET" || method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

ApiResponse method_not_allowed(const char* allowed) {
    ApiResponse answer = text_error(405, "method not allowed");
    answer.headers.emplace_back("Allow", allowed);
    return answer;
}

}  // namespace

ApiServer::ApiServer(ApiServerSettings settings, PolicyHandlers& policy, PolicyInsightHandlers& insight,
                     VaultHandlers& vault, const common::MetricsRegistry& metrics)
    : settings_(std::move(settings)),
      policy_(policy),
      insight_(insight),
      vault_(vault),
      metrics_(metrics),
      service_("policy API", *this, settings_.limits) {}

void ApiServer::start() {
    service_.bind(settings_.host, settings_.port);
    service_.start();
}

std::optional<ApiResponse> ApiServer::answer_head(const HttpRequest& head) {
    if (head.path == "/healthz") {
        return plain_ok();
    }
    if (head.path == "/metrics") {
        if (head.method != "GET") {
            return method_not_allowed("GET");
        }
        return ApiResponse{200, std::string(common::MetricsRegistry::kContentType), metrics_.render(), {}};
    }
    if (VaultHandlers::serves(head.path)) {
        return vault_.answer_head(head);
    }
    if (head.path != "/policy" && !is_policy_subresource(head.path)) {
        return text_error(404, "404 page not found");
    }
    if (!settings_.token.empty() && !token_matches(settings_.token, head.header(kAuthHeader))) {
        return text_error(401, "unauthorized");
    }
    if (head.path != "/policy") {
        return answer_policy_subresource_head(head);
    }
    if (!is_policy_method(head.method)) {
        return method_not_allowed(kPolicyMethods);
    }
    if (head.method == "GET") {
        return policy_.get();
    }
    return std::nullopt;
}

std::optional<ApiResponse> ApiServer::answer_policy_subresource_head(const HttpRequest& head) {
    if (head.path == kModePath) {
        if (head.method != "PUT" && head.method != "POST") {
            return method_not_allowed("PUT, POST");
        }
        return std::nullopt;
    }
    if (head.method != "GET") {
        return method_not_allowed("GET");
    }
    if (head.path == "/policy/explain") {
        return insight_.explain(head.query);
    }
    if (head.path == "/policy/stats") {
        return insight_.stats(head.query);
    }
    return insight_.suggestions();
}

ApiResponse ApiServer::answer(const HttpRequest& request) {
    if (VaultHandlers::serves(request.path)) {
        return vault_.answer(request);
    }
    if (request.path == kModePath) {
        return policy_.set_mode(request.body);
    }
    if (request.method == "PATCH") {
        return policy_.patch(request.body);
    }
    if (request.method == "DELETE") {
        return policy_.remove(request.body);
    }
    return policy_.replace(request.body);  // POST and PUT
}

}  // namespace egress::api
