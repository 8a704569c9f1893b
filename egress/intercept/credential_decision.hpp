#pragma once

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_endpoint.hpp"
#include "vault/active_bindings.hpp"

// What the proxy does with one HTTP request it intercepted: forward it as it is, forward it with
// a credential, or refuse it.
namespace egress::intercept {

// The names egress's DNS proxy resolved to an address (to trust a plain-HTTP Host header only
// when the connection goes where that name resolved).
using NamesOfAddress = std::function<std::vector<std::string>(const common::IpAddress&)>;

// What is known about the connection before any request arrives.
struct ConnectionFacts {
    std::string_view scheme;  // "https" or "http", from the original destination port
    common::IpEndpoint destination;
    std::optional<std::string> server_name;  // the SNI of a decrypted connection
};

enum class Verdict {
    forward,           // no binding applies: the request goes on untouched
    inject,            // binding's headers replace the client's
    ambiguous,         // 403: more than one binding applies
    misdirected,       // 421: Host names another server than the one the connection reaches
    unmatchable_path,  // 400: a path a server could read differently than the proxy would
};

struct CredentialDecision {
    Verdict verdict = Verdict::forward;
    const vault::ActiveBinding* binding = nullptr;  // for inject; lives as long as the bindings
    std::string reason;                             // for the refusals: the text of the answer
};

using RequestHeader = boost::beast::http::request_header<boost::beast::http::fields>;
using ResponseHeader = boost::beast::http::response_header<boost::beast::http::fields>;

CredentialDecision decide(const RequestHeader& request, const ConnectionFacts& connection,
                          const vault::ActiveBindings* bindings, const NamesOfAddress& names_of);

// Removes every client header the binding sets (any case), then sets the binding's.
void inject_credential(RequestHeader& request, const vault::ActiveBinding& binding);

// Replaces every secret in the response's header values with "[REDACTED]".
void redact_response(ResponseHeader& response, const vault::ActiveBindings& bindings);

inline std::string_view text_of(boost::beast::string_view text) {
    return {text.data(), text.size()};
}

// The Host header's name: lowercase, without port or trailing dot; empty when there is none.
std::string host_of(std::string_view host_header);

}  // namespace egress::intercept
