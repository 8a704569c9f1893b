#include "http/url.hpp"

namespace execd::http {

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
    std::string decoded;
    decoded.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '+' && plus_is_space) {
            decoded.push_back(' ');
        } else if (c != '%') {
            decoded.push_back(c);
        } else {
            if (i + 2 >= text.size()) {
                return std::nullopt;
            }
            const int high = hex_value(text[i + 1]);
            const int low = hex_value(text[i + 2]);
            if (high < 0 || low < 0) {
                return std::nullopt;
            }
            decoded.push_back(static_cast<char>(high * 16 + low));
            i += 2;
        }
    }
    return decoded;
}

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
        auto key = percent_decode(pair.substr(0, eq), true);
        auto value = percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
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
