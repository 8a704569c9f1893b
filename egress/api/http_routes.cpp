#include "api/http_routes.hpp"

#include <strings.h>

namespace egress::api {

std::string_view HttpRequest::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (key.size() == name.size() && strncasecmp(key.data(), name.data(), name.size()) == 0) {
            return value;
        }
    }
    return {};
}

bool HttpRequest::announces_body() const {
    return !header("Content-Length").empty() || !header("Transfer-Encoding").empty();
}

}  // namespace egress::api
