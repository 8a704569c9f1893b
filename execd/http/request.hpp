#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/body_reader.hpp"

namespace execd::http {

// One parsed HTTP request, independent of the server library.
struct Request {
    std::string method;  // "GET", "POST", ...
    std::string path;    // percent-decoded, without the query
    std::string raw_query;
    std::map<std::string, std::string> query;        // first value of each key
    std::map<std::string, std::string> path_params;  // filled by the router
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;                         // empty for streamed routes
    std::shared_ptr<BodyReader> body_reader;  // set only for streamed routes

    // Case-insensitive header lookup; nullopt when absent.
    std::optional<std::string_view> header(std::string_view name) const;
    // A query parameter; nullopt when absent.
    std::optional<std::string_view> query_param(const std::string& name) const;
    // Every value of a repeated query parameter, in order.
    std::vector<std::string> query_values(std::string_view name) const;
};

}  // namespace execd::http
