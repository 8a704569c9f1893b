#include "http/url.hpp"

#include "common/percent_encoding.hpp"

namespace execd::http {

namespace {

template <typename OnPair>
void for_each_pair(std::string_view query, OnPair on_pair) {
    while (!query.empty()) {
        const std::size_t amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (pair.empty()) {
            continue;
        }
        const std::size_t eq = pair.find('=');
        auto key = common::percent_decode(pair.substr(0, eq), true);
        auto value = common::percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
        if (key && value) {
            on_pair(std::move(*key), std::move(*value));
        }
    }
}

}  // namespace

std::map<std::string, std::string> parse_query(std::string_view query) {
    std::map<std::string, std::string> params;
    for_each_pair(
        query, [&](std::string key, std::string value) { params.emplace(std::move(key), std::move(value)); });
    return params;
}

std::vector<std::string> parse_query_values(std::string_view query, std::string_view name) {
    std::vector<std::string> values;
    for_each_pair(query, [&](const std::string& key, std::string value) {
        if (key == name) {
            values.push_back(std::move(value));
        }
    });
    return values;
}

}  // namespace execd::http
