#include "vault/header_name.hpp"

#include <algorithm>
#include <array>

#include "vault/go_text.hpp"
#include "vault/vault_error.hpp"

namespace egress::vault {
namespace {

constexpr std::array<std::string_view, 14> reserved_header_names = {
    "host",
    "content-length",
    "content-type",
    "transfer-encoding",
    "connection",
    "upgrade",
    "te",
    "trailer",
    "proxy-authorization",
    "proxy-authenticate",
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
};

bool is_token_char(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
    }
    constexpr std::string_view token_symbols = "!#$%&'*+-.^_`|~";
    return token_symbols.find(c) != std::string_view::npos;
}

bool is_token(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), is_token_char);
}

}  // namespace

std::string canonical_header_key(std::string_view name) {
    std::string key(name);
    if (!std::all_of(key.begin(), key.end(), is_token_char)) {
        return key;
    }
    bool upper_next = true;
    for (char& c : key) {
        if (upper_next && c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - 'a' + 'A');
        } else if (!upper_next && c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
        upper_next = c == '-';
    }
    return key;
}

void validate_credential_header_name(std::string_view name) {
    if (!is_token(name)) {
        throw VaultError(VaultError::Kind::invalid, "invalid credential header name " + go_quote(name));
    }
    const std::string lowered = to_lower_ascii(name);
    if (std::find(reserved_header_names.begin(), reserved_header_names.end(), lowered) !=
        reserved_header_names.end()) {
        throw VaultError(VaultError::Kind::invalid, "reserved credential header name " + go_quote(name));
    }
}

}  // namespace egress::vault
