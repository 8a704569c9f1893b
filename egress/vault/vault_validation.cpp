#include "vault/vault_validation.hpp"

#include <algorithm>
#include <unordered_set>
#include <utility>

#include "vault/binding_host.hpp"
#include "vault/go_text.hpp"
#include "vault/header_name.hpp"
#include "vault/vault_error.hpp"

namespace egress::vault {
namespace {

constexpr uint16_t default_binding_port = 443;

[[noreturn]] void reject_binding_part(const std::string& message) {
    throw VaultError(VaultError::Kind::invalid, message);
}

template <typename Value>
void dedupe_in_first_seen_order(std::vector<Value>& values) {
    std::vector<Value> unique;
    unique.reserve(values.size());
    for (Value& value : values) {
        if (std::find(unique.begin(), unique.end(), value) == unique.end()) {
            unique.push_back(std::move(value));
        }
    }
    values = std::move(unique);
}

// A header value is sent verbatim; a line break or NUL would let a secret forge other headers.
bool can_travel_in_a_header(std::string_view value) {
    return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

void check_scoped_match(const BindingMatch& match) {
    if (match.methods.empty()) {
        reject_binding_part("match.methods must be explicit");
    }
    if (match.paths.empty()) {
        reject_binding_part("match.paths must be explicit");
    }
    const auto is_host_wide = [](const std::string& path) { return trim_go_space(path) == "/*"; };
    if (std::any_of(match.paths.begin(), match.paths.end(), is_host_wide)) {
        reject_binding_part("match.paths must not contain /*");
    }
}

void fill_match_defaults(BindingMatch& match) {
    if (match.schemes.empty()) {
        match.schemes = {"https"};
    }
    if (match.ports.empty() && !match.invalid_wire_port) {
        match.ports = {default_binding_port};
    }
    if (match.methods.empty()) {
        match.methods = {"GET", "POST", "PUT", "PATCH", "DELETE"};
    }
    if (match.paths.empty()) {
        match.paths = {"/*"};
    }
}

void normalize_schemes(std::vector<std::string>& schemes) {
    for (std::string& scheme : schemes) {
        scheme = to_lower_ascii(trim_go_space(scheme));
        if (scheme != "https" && scheme != "http") {
            reject_binding_part("unsupported scheme " + go_quote(scheme));
        }
    }
}

void check_ports(const BindingMatch& match) {
    if (match.invalid_wire_port) {
        reject_binding_part("invalid port " + std::to_string(*match.invalid_wire_port));
    }
    for (const uint16_t port : match.ports) {
        if (port == 0) {
            reject_binding_part("invalid port " + std::to_string(port));
        }
    }
}

void normalize_methods(std::vector<std::string>& methods) {
    for (std::string& method : methods) {
        method = to_upper_ascii(trim_go_space(method));
        if (method.empty()) {
            reject_binding_part("method cannot be blank");
        }
    }
}

void normalize_paths(std::vector<std::string>& paths) {
    for (std::string& path : paths) {
        path = std::string(trim_go_space(path));
        if (!path.starts_with('/')) {
            reject_binding_part("path pattern must start with /");
        }
    }
}

void normalize_match(BindingMatch& match, const VaultSettings& settings) {
    if (settings.require_scoped_match) {
        check_scoped_match(match);
    }
    fill_match_defaults(match);
    if (match.hosts.empty()) {
        reject_binding_part("match.hosts cannot be empty");
    }
    normalize_schemes(match.schemes);
    check_ports(match);
    for (std::string& host : match.hosts) {
        host = normalize_binding_host(host);
    }
    normalize_methods(match.methods);
    normalize_paths(match.paths);
    dedupe_in_first_seen_order(match.schemes);
    dedupe_in_first_seen_order(match.ports);
    dedupe_in_first_seen_order(match.hosts);
    dedupe_in_first_seen_order(match.methods);
    dedupe_in_first_seen_order(match.paths);
}

void require_auth_credential(BindingAuth& auth) {
    auth.credential = std::string(trim_go_space(auth.credential));
    if (auth.credential.empty()) {
        reject_binding_part(auth.type + " auth requires credential");
    }
}

void normalize_custom_headers(std::vector<HeaderCredential>& headers) {
    if (headers.empty()) {
        reject_binding_part("customHeaders auth requires headers");
    }
    std::unordered_set<std::string> seen;
    for (HeaderCredential& header : headers) {
        header.name = canonical_header_key(trim_go_space(header.name));
        validate_credential_header_name(header.name);
        if (!seen.insert(to_lower_ascii(header.name)).second) {
            reject_binding_part("duplicate custom header name " + go_quote(header.name));
        }
        header.credential = std::string(trim_go_space(header.credential));
        if (header.credential.empty()) {
            reject_binding_part("customHeaders entry " + go_quote(header.name) + " requires credential");
        }
    }
}

void normalize_auth(BindingAuth& auth) {
    auth.type = std::string(trim_go_space(auth.type));
    if (auth.type == "bearer" || auth.type == "basic") {
        require_auth_credential(auth);
    } else if (auth.type == "apiKey") {
        auth.name = canonical_header_key(trim_go_space(auth.name));
        validate_credential_header_name(auth.name);
        require_auth_credential(auth);
    } else if (auth.type == "customHeaders") {
        normalize_custom_headers(auth.headers);
    } else {
        reject_binding_part("unsupported auth type " + go_quote(auth.type));
    }
}

}  // namespace

Credential normalize_credential(Credential raw, int64_t revision) {
    Credential credential;
    credential.name = std::string(trim_go_space(raw.name));
    if (credential.name.empty()) {
        throw VaultError(VaultError::Kind::invalid, "credential name cannot be blank");
    }
    credential.source_type = std::string(trim_go_space(raw.source_type));
    if (credential.source_type.empty()) {
        credential.source_type = "inline";
    }
    if (credential.source_type != "inline") {
        throw VaultError(VaultError::Kind::invalid,
                         "unsupported credential source type " + go_quote(credential.source_type));
    }
    if (raw.value.empty()) {
        throw VaultError(VaultError::Kind::invalid,
                         "credential " + go_quote(credential.name) + " inline value cannot be empty");
    }
    if (!can_travel_in_a_header(raw.value)) {
        throw VaultError(VaultError::Kind::invalid, "credential " + go_quote(credential.name) +
                                                        " inline value cannot contain CR, LF or NUL");
    }
    credential.value = std::move(raw.value);
    credential.revision = revision;
    return credential;
}

Binding normalize_binding(Binding raw, const VaultSettings& settings) {
    Binding binding = std::move(raw);
    binding.name = std::string(trim_go_space(binding.name));
    if (binding.name.empty()) {
        throw VaultError(VaultError::Kind::invalid, "binding name cannot be blank");
    }
    try {
        normalize_match(binding.match, settings);
        normalize_auth(binding.auth);
    } catch (const VaultError& error) {
        throw VaultError(VaultError::Kind::invalid,
                         "binding " + go_quote(binding.name) + ": " + error.what());
    }
    return binding;
}

}  // namespace egress::vault
