#include "http/response.hpp"

#include "common/log.hpp"

namespace execd::http {

namespace {
constexpr const char* kJsonContentType = "application/json; charset=utf-8";
}

Response empty_ok() {
    return Response{};
}

std::string error_object_json(std::string_view code, std::string_view message) {
    std::string body = "{";
    if (!code.empty()) {
        body += "\"code\":";
        common::append_json_string(body, code);
    }
    if (!message.empty()) {
        if (!code.empty()) {
            body += ',';
        }
        body += "\"message\":";
        common::append_json_string(body, message);
    }
    body += '}';
    return body;
}

Response json_error(int status, std::string_view code, std::string_view message) {
    return json_response(status, error_object_json(code, message));
}

Response json_response(int status, std::string body) {
    return Response{status, {{"Content-Type", kJsonContentType}}, std::move(body)};
}

Response not_found_page() {
    return Response{404, {{"Content-Type", "text/plain"}}, "404 page not found"};
}

Response unauthorized() {
    return json_response(401, R"({"error":"Unauthorized: invalid or missing header X-EXECD-ACCESS-TOKEN"})");
}

}  // namespace execd::http
