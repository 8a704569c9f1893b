#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace egress::api {

// One HTTP answer, independent of the server library, so handlers can be tested without sockets.
struct ApiResponse {
    int status = 200;
    std::string content_type;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
};

// Go's http.Error: the message and a newline as text/plain (upstream's error and 401/405 bodies).
ApiResponse text_error(int status, std::string_view message);

// Upstream's /healthz answer: 200 and "ok" (no newline) as text/plain.
ApiResponse plain_ok();

// Upstream's writeJSON: compact JSON and a newline.
ApiResponse json_response(int status, const nlohmann::ordered_json& document);

}  // namespace egress::api
