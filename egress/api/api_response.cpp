#include "api/api_response.hpp"

namespace egress::api {

ApiResponse text_error(int status, std::string_view message) {
    ApiResponse response;
    response.status = status;
    response.content_type = "text/plain; charset=utf-8";
    response.body = std::string(message) + "\n";
    response.headers.emplace_back("X-Content-Type-Options", "nosniff");
    return response;
}

ApiResponse plain_ok() {
    return {200, "text/plain; charset=utf-8", "ok", {}};
}

ApiResponse json_response(int status, const nlohmann::ordered_json& document) {
    return {status, "application/json", document.dump() + "\n", {}};
}

}  // namespace egress::api
