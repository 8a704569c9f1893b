#include "http/request.hpp"

#include "common/config.hpp"
#include "http/url.hpp"

namespace execd::http {

std::optional<std::string_view> Request::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (common::equals_ignoring_case(key, name)) {
            return value;
        }
    }
    return std::nullopt;
}

std::optional<std::string_view> Request::query_param(const std::string& name) const {
    const auto found = query.find(name);
    if (found == query.end()) {
        return std::nullopt;
    }
    return found->second;
}

std::vector<std::string> Request::query_values(std::string_view name) const {
    return parse_query_values(raw_query, name);
}

}  // namespace execd::http
