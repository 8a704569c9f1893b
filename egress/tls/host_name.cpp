#include "tls/host_name.hpp"

#include <algorithm>

#include "common/ip_address.hpp"

namespace egress::tls {

namespace {

constexpr size_t max_dns_name_length = 253;
constexpr size_t max_label_length = 63;

bool is_label_character(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_valid_label(std::string_view label) {
    return !label.empty() && label.size() <= max_label_length &&
           std::all_of(label.begin(), label.end(), is_label_character);
}

bool has_valid_labels(std::string_view name) {
    size_t start = 0;
    while (true) {
        const size_t dot = name.find('.', start);
        const std::string_view label = name.substr(start, dot == std::string_view::npos ? dot : dot - start);
        if (!is_valid_label(label)) {
            return false;
        }
        if (dot == std::string_view::npos) {
            return !std::all_of(label.begin(), label.end(), is_digit);
        }
        start = dot + 1;
    }
}

}  // namespace

std::optional<std::string> normalize_dns_name(std::string_view name) {
    if (name.ends_with('.')) {
        name.remove_suffix(1);
    }
    if (name.empty() || name.size() > max_dns_name_length) {
        return std::nullopt;
    }
    std::string lowered(name.size(), '\0');
    std::transform(name.begin(), name.end(), lowered.begin(), ascii_lower);
    if (!has_valid_labels(lowered)) {
        return std::nullopt;
    }
    return lowered;
}

bool is_ip_literal(std::string_view host) {
    return common::IpAddress::parse(host).has_value();
}

}  // namespace egress::tls
