#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "http/request.hpp"

namespace execd::api {

// The last event a resuming client has (`after_eid`, else the SSE `Last-Event-ID` header, else 0),
// or the error text for a value that is not a non-negative integer.
std::variant<int64_t, std::string> resume_point(const http::Request& request);

}  // namespace execd::api
