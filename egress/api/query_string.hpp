#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace egress::api {

// The decoded value of the first `key=` parameter of a URL query ("a=1&b=2"), '+' as space;
// nullopt when absent or badly escaped.
std::optional<std::string> query_parameter(std::string_view query, std::string_view key);

}  // namespace egress::api
