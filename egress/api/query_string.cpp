#include "api/query_string.hpp"

#include "common/percent_encoding.hpp"

namespace egress::api {

std::optional<std::string> query_parameter(std::string_view query, std::string_view key) {
    while (!query.empty()) {
        const size_t end = query.find('&');
        const std::string_view pair = query.substr(0, end);
        const size_t equals = pair.find('=');
        const auto raw_key = common::percent_decode(pair.substr(0, equals), true);
        if (raw_key && *raw_key == key) {
            return common::percent_decode(equals == std::string_view::npos ? "" : pair.substr(equals + 1),
                                          true);
        }
        query = end == std::string_view::npos ? std::string_view{} : query.substr(end + 1);
    }
    return std::nullopt;
}

}  // namespace egress::api
