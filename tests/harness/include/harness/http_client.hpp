#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace harness {

struct HttpResponse {
    int status = 0;  // 0: no response (curl failed; see error)
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string error;

    std::string header(const std::string& name) const;  // first match, case-insensitive
};

struct HttpRequest {
    std::string method = "GET";
    std::string url;
    std::string body;
    bool send_body = false;  // also for an empty body
    std::vector<std::pair<std::string, std::string>> headers;
    std::chrono::milliseconds timeout{5000};
};

// Sends one request with curl from inside the network namespace (as an operator would).
HttpResponse http_request(const std::string& netns, const HttpRequest& request);

}  // namespace harness
