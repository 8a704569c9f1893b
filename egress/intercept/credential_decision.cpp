#include "intercept/credential_decision.hpp"

#include <algorithm>

#include "vault/go_text.hpp"

namespace egress::intercept {
namespace http = boost::beast::http;

namespace {

bool resolved_here(const std::string& host, const ConnectionFacts& connection,
                   const NamesOfAddress& names_of) {
    if (!names_of) {
        return false;
    }
    const auto names = names_of(connection.destination.address());
    return std::find(names.begin(), names.end(), host) != names.end();
}

CredentialDecision refusal(Verdict verdict, std::string reason) {
    return {verdict, nullptr, std::move(reason)};
}

}  // namespace

std::string host_of(std::string_view host_header) {
    std::string_view host = host_header;
    if (host.starts_with('[')) {
        const auto close = host.find(']');
        host = close == std::string_view::npos ? std::string_view{} : host.substr(1, close - 1);
    } else if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
        host = host.substr(0, colon);
    }
    if (host.ends_with('.')) {
        host.remove_suffix(1);
    }
    return vault::to_lower_ascii(host);
}

CredentialDecision decide(const RequestHeader& request, const ConnectionFacts& connection,
                          const vault::ActiveBindings* bindings, const NamesOfAddress& names_of) {
    const std::string host = host_of(text_of(request[http::field::host]));
    const uint16_t port = connection.destination.port();
    if (connection.server_name && host != *connection.server_name) {
        return refusal(Verdict::misdirected, "credential proxy: the Host header names " + host +
                                                 " but this TLS connection is for " +
                                                 *connection.server_name);
    }
    if (bindings == nullptr || !bindings->covers_host(connection.scheme, port, host)) {
        return {};
    }
    const auto path = vault::normalize_request_path(text_of(request.target()));
    if (!path) {
        return refusal(
            Verdict::unmatchable_path,
            "credential proxy: the request path cannot be matched safely against credential bindings");
    }
    const vault::RequestAttributes attributes{connection.scheme, port, host, text_of(request.method_string()),
                                              *path};
    const auto match = bindings->match(attributes);
    switch (match.outcome) {
        case vault::MatchOutcome::none:
            return {};
        case vault::MatchOutcome::ambiguous:
            return refusal(Verdict::ambiguous, "credential binding ambiguous");
        case vault::MatchOutcome::inject:
            break;
    }
    if (!connection.server_name && !resolved_here(host, connection, names_of)) {
        return refusal(Verdict::misdirected, "credential proxy: " + host + " did not resolve to " +
                                                 connection.destination.address().to_string() +
                                                 " in this sandbox");
    }
    return {Verdict::inject, match.binding, {}};
}

void inject_credential(RequestHeader& request, const vault::ActiveBinding& binding) {
    for (const auto& header : binding.headers) {
        request.erase(header.name);  // Beast compares field names case-insensitively
    }
    for (const auto& header : binding.headers) {
        request.set(header.name, header.value);
    }
}

void redact_response(ResponseHeader& response, const vault::ActiveBindings& bindings) {
    std::vector<std::pair<std::string, std::string>> fields;
    bool redacted_any = false;
    for (const auto& field : response) {
        fields.emplace_back(std::string(text_of(field.name_string())),
                            bindings.redact(text_of(field.value())));
        redacted_any = redacted_any || fields.back().second != field.value();
    }
    if (!redacted_any) {
        return;
    }
    response.clear();
    for (const auto& [name, value] : fields) {
        response.insert(name, value);
    }
}

}  // namespace egress::intercept
