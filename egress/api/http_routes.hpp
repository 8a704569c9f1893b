#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/api_response.hpp"
#include "common/ip_address.hpp"

namespace egress::api {

// One request as the routes see it, independent of the server library.
struct HttpRequest {
    std::string method;
    std::string path;   // the target without its query
    std::string query;  // what follows '?' in the target, undecoded
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;                       // empty until the body is read
    std::optional<common::IpAddress> peer;  // the client's address (an IPv4-mapped one as IPv4)

    // The first header of that name (case-insensitive), or empty.
    std::string_view header(std::string_view name) const;
    // Content-Length or Transfer-Encoding present: a body follows the head.
    bool announces_body() const;
};

// What an HttpService serves. Both calls run on the service's thread, one request at a time.
class HttpRoutes {
  public:
    virtual ~HttpRoutes() = default;
    // Called with the head alone: an answer here ends the request; its body is read and dropped.
    virtual std::optional<ApiResponse> answer_head(const HttpRequest& head) = 0;
    // Called once the body is read, for requests answer_head() left unanswered.
    virtual ApiResponse answer(const HttpRequest& request) = 0;
};

}  // namespace egress::api
