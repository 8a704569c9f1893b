#include "http/request.hpp"

#include "common/config.hpp"

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

}  // namespace execd::http
