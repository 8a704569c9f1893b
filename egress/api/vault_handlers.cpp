#include "api/vault_handlers.hpp"

#include <algorithm>

#include "api/token_check.hpp"
#include "common/config.hpp"
#include "common/percent_encoding.hpp"
#include "vault/go_text.hpp"
#include "vault/vault_error.hpp"
#include "vault/vault_json.hpp"

namespace egress::api {
namespace {

constexpr std::string_view kRoot = "/credential-vault";
constexpr std::string_view kActive = "/credential-vault/_active";
constexpr std::string_view kCredentials = "/credential-vault/credentials";
constexpr std::string_view kBindings = "/credential-vault/bindings";
constexpr const char* kAuthHeader = "OPENSANDBOX-EGRESS-AUTH";

ApiResponse not_allowed(const char* allowed) {
    ApiResponse answer = text_error(405, "method not allowed");
    answer.headers.emplace_back("Allow", allowed);
    return answer;
}

int status_of(const vault::VaultError& error) {
    switch (error.kind()) {
        case vault::VaultError::Kind::not_found:
            return 404;
        case vault::VaultError::Kind::conflict:
            return 409;
        case vault::VaultError::Kind::invalid:
            break;
    }
    return 400;
}

ApiResponse vault_not_found() {
    return text_error(404, "credential vault not found");
}

// The {name} after "<collection>/", trimmed; nullopt when path is not below collection.
std::optional<std::string_view> item_name(std::string_view path, std::string_view collection) {
    if (!path.starts_with(collection) || path.size() <= collection.size() || path[collection.size()] != '/') {
        return std::nullopt;
    }
    return vault::trim_go_space(path.substr(collection.size() + 1));
}

}  // namespace

VaultHandlers::VaultHandlers(vault::CredentialVault& vault, policy::PolicyEngine& engine, VaultAccess access)
    : vault_(vault), engine_(engine), access_(std::move(access)) {}

bool VaultHandlers::serves(std::string_view path) {
    return path == kRoot || path.starts_with(std::string(kRoot) + "/");
}

std::optional<ApiResponse> VaultHandlers::answer_head(const HttpRequest& head) {
    const auto path = common::percent_decode(head.path, false);  // the path as Go's router sees it
    if (!path) {
        return text_error(400, "invalid URL escape");
    }
    if (*path == kActive) {
        // Upstream serves the rendered credentials to its proxy on a private socket only.
        return head.method == "GET" ? text_error(403, "forbidden") : not_allowed("GET");
    }
    if (!access_.token.empty() && !token_matches(access_.token, head.header(kAuthHeader))) {
        return text_error(401, "unauthorized");
    }
    if (*path == kRoot) {
        return answer_root(head);
    }
    const bool collection = *path == kCredentials || *path == kBindings;
    const auto credential_name = item_name(*path, kCredentials);
    const auto binding_name = item_name(*path, kBindings);
    if (!collection && !credential_name && !binding_name) {
        return text_error(404, "not found");
    }
    if (head.method != "GET") {
        return not_allowed("GET");
    }
    if (credential_name) {
        return credential(*credential_name);
    }
    if (binding_name) {
        return binding(*binding_name);
    }
    return *path == kCredentials ? list_credentials() : list_bindings();
}

std::optional<ApiResponse> VaultHandlers::answer_root(const HttpRequest& head) {
    if (head.method == "GET") {
        const auto state = vault_.state();
        return state ? json_response(200, vault::state_json(*state)) : vault_not_found();
    }
    if (head.method != "POST" && head.method != "PATCH" && head.method != "DELETE") {
        return not_allowed("GET, POST, PATCH, DELETE");
    }
    if (auto refusal = refuse_write(head)) {
        return refusal;
    }
    if (head.method == "DELETE") {
        return remove();
    }
    return std::nullopt;
}

std::optional<ApiResponse> VaultHandlers::refuse_write(const HttpRequest& head) const {
    if (vault::trim_go_space(access_.token).empty()) {
        return text_error(412, "credential vault requires egress API auth token");
    }
    if (!access_.proxy_enabled) {
        return text_error(412, "credential vault requires transparent mitmproxy");
    }
    if (!access_.dns_nft_mode) {
        return text_error(412, "credential vault requires dns+nft egress enforcement");
    }
    if (access_.insecure_upstream) {
        return text_error(412, "credential vault rejects insecure upstream TLS mode");
    }
    if (!access_.proxy_ready || !access_.proxy_ready()) {
        return text_error(412, "credential proxy is not ready");
    }
    if (access_.require_tls && !trusted_transport(head)) {
        return text_error(426, "credential vault writes require TLS or loopback transport");
    }
    return std::nullopt;
}

bool VaultHandlers::trusted_transport(const HttpRequest& head) const {
    if (!head.peer) {
        return false;
    }
    if (head.peer->is_loopback()) {
        return true;
    }
    const bool forwarded_https = common::equals_ignoring_case(head.header("X-Forwarded-Proto"), "https");
    return forwarded_https &&
           std::any_of(access_.trusted_proxies.begin(), access_.trusted_proxies.end(),
                       [&](const common::IpPrefix& prefix) { return prefix.contains(*head.peer); });
}

ApiResponse VaultHandlers::answer(const HttpRequest& request) {
    return request.method == "POST" ? create(request.body) : patch(request.body);
}

ApiResponse VaultHandlers::create(std::string_view body) {
    vault::CreateRequest request;
    try {
        request = vault::parse_create_request(body);
    } catch (const vault::VaultError& error) {
        return text_error(400, std::string("invalid credential vault request: ") + error.what());
    }
    try {
        const auto state = engine_.with_current_policy(
            [&](const policy::PolicySnapshot& policy) { return vault_.create(std::move(request), policy); });
        return json_response(201, vault::state_json(state));
    } catch (const vault::VaultError& error) {
        return text_error(status_of(error), error.what());
    }
}

ApiResponse VaultHandlers::patch(std::string_view body) {
    vault::PatchRequest request;
    try {
        request = vault::parse_patch_request(body);
    } catch (const vault::VaultError& error) {
        return text_error(400, std::string("invalid credential vault mutation request: ") + error.what());
    }
    try {
        const auto state = engine_.with_current_policy(
            [&](const policy::PolicySnapshot& policy) { return vault_.patch(std::move(request), policy); });
        return json_response(200, vault::state_json(state));
    } catch (const vault::VaultError& error) {
        return text_error(status_of(error), error.what());
    }
}

ApiResponse VaultHandlers::remove() {
    try {
        vault_.remove();
        return ApiResponse{204, {}, {}, {}};
    } catch (const vault::VaultError& error) {
        return text_error(status_of(error), error.what());
    }
}

ApiResponse VaultHandlers::list_credentials() const {
    const auto state = vault_.state();
    if (!state) {
        return vault_not_found();
    }
    nlohmann::ordered_json document{{"revision", state->revision},
                                    {"credentials", nlohmann::ordered_json::array()}};
    for (const auto& item : state->credentials) {
        document["credentials"].push_back(vault::credential_json(item));
    }
    return json_response(200, document);
}

ApiResponse VaultHandlers::list_bindings() const {
    const auto state = vault_.state();
    if (!state) {
        return vault_not_found();
    }
    nlohmann::ordered_json document{{"revision", state->revision},
                                    {"bindings", nlohmann::ordered_json::array()}};
    for (const auto& item : state->bindings) {
        document["bindings"].push_back(vault::binding_json(item, state->revision));
    }
    return json_response(200, document);
}

ApiResponse VaultHandlers::credential(std::string_view name) const {
    const auto state = vault_.state();
    if (!state) {
        return vault_not_found();
    }
    for (const auto& item : state->credentials) {
        if (item.name == name) {
            return json_response(200, vault::credential_json(item));
        }
    }
    return text_error(404, "credential not found");
}

ApiResponse VaultHandlers::binding(std::string_view name) const {
    const auto state = vault_.state();
    if (!state) {
        return vault_not_found();
    }
    for (const auto& item : state->bindings) {
        if (item.name == name) {
            return json_response(200, vault::binding_json(item, state->revision));
        }
    }
    return text_error(404, "binding not found");
}

}  // namespace egress::api
