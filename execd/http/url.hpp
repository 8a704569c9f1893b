#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace execd::http {

// Parses "a=1&b=x%20y" into a map keeping the first value of each key, as Go's Query().Get does.
// Pairs with malformed escapes are skipped.
std::map<std::string, std::string> parse_query(std::string_view query);

// Every value of `name` in `query`, in order (Go's Query()["name"]).
std::vector<std::string> parse_query_values(std::string_view query, std::string_view name);

}  // namespace execd::http
