#include "vault/binding_host.hpp"

#include <algorithm>

#include "common/config.hpp"
#include "common/ip_address.hpp"
#include "vault/go_text.hpp"
#include "vault/vault_error.hpp"

namespace egress::vault {
namespace {

constexpr size_t max_fqdn_length = 253;
constexpr size_t max_host_label_length = 63;

[[noreturn]] void reject_host(const std::string& message) {
    throw VaultError(VaultError::Kind::invalid, message);
}

bool is_host_label_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

// [a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?
bool is_valid_host_label(std::string_view label) {
    if (label.empty() || label.size() > max_host_label_length) {
        return false;
    }
    if (label.front() == '-' || label.back() == '-') {
        return false;
    }
    return std::all_of(label.begin(), label.end(), is_host_label_char);
}

bool is_valid_credential_fqdn(std::string_view host) {
    if (host.size() > max_fqdn_length || host.find('.') == std::string_view::npos) {
        return false;
    }
    size_t start = 0;
    while (true) {
        const size_t dot = host.find('.', start);
        const size_t end = dot == std::string_view::npos ? host.size() : dot;
        if (!is_valid_host_label(host.substr(start, end - start))) {
            return false;
        }
        if (dot == std::string_view::npos) {
            return true;
        }
        start = dot + 1;
    }
}

bool is_ip_address(std::string_view text) {
    return common::IpAddress::parse(text).has_value();
}

std::string normalize_wildcard_host(const std::string& host) {
    const std::string_view suffix = std::string_view(host).substr(2);
    if (suffix.empty() || suffix.find('*') != std::string_view::npos) {
        reject_host("invalid wildcard host " + go_quote(host));
    }
    if (is_ip_address(suffix)) {
        reject_host("wildcard host " + go_quote(host) + " cannot target an IP address");
    }
    if (!is_valid_credential_fqdn(suffix)) {
        reject_host("invalid wildcard host " + go_quote(host));
    }
    return host;
}

std::string normalize_exact_host(const std::string& host) {
    if (host.find('*') != std::string::npos) {
        reject_host("invalid wildcard host " + go_quote(host));
    }
    if (is_ip_address(host)) {
        reject_host("credential binding host " + go_quote(host) + " must be an FQDN, not an IP address");
    }
    if (!is_valid_credential_fqdn(host)) {
        reject_host("credential binding host " + go_quote(host) + " must be an FQDN");
    }
    return host;
}

}  // namespace

std::string normalize_binding_host(std::string_view raw) {
    std::string_view trimmed = trim_go_space(raw);
    if (trimmed.ends_with('.')) {
        trimmed.remove_suffix(1);
    }
    const std::string host = to_lower_ascii(trimmed);
    if (host.empty()) {
        reject_host("host cannot be blank");
    }
    if (host.find('/') != std::string::npos) {  // also catches "://"
        reject_host("host " + go_quote(host) + " must not include scheme or path");
    }
    if (host.starts_with("*.")) {
        return normalize_wildcard_host(host);
    }
    return normalize_exact_host(host);
}

bool is_wildcard_host(std::string_view pattern) {
    return pattern.starts_with("*.");
}

std::string_view wildcard_suffix(std::string_view pattern) {
    return is_wildcard_host(pattern) ? pattern.substr(2) : pattern;
}

bool is_strictly_below(std::string_view name, std::string_view suffix) {
    if (name.size() <= suffix.size() + 1) {
        return false;
    }
    const size_t dot = name.size() - suffix.size() - 1;
    return name[dot] == '.' && common::equals_ignoring_case(name.substr(dot + 1), suffix);
}

int host_match_precedence(std::string_view pattern, std::string_view host) {
    if (is_wildcard_host(pattern)) {
        return is_strictly_below(host, wildcard_suffix(pattern)) ? 1 : 0;
    }
    return common::equals_ignoring_case(pattern, host) ? 2 : 0;
}

}  // namespace egress::vault
