#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vault/vault_model.hpp"

// What the interception proxy consults for every request: the bindings in force with their
// headers rendered. Immutable; a vault change publishes a new one.
namespace egress::vault {

struct RenderedHeader {
    std::string name;
    std::string value;  // e.g. "Bearer <secret>"
    bool operator==(const RenderedHeader&) const = default;
};

struct ActiveBinding {
    std::string name;
    BindingMatch match;
    std::vector<RenderedHeader> headers;
    // The raw credential values behind the headers: redacted as well as the rendered values.
    std::vector<std::string> secrets;
};

// One request as the proxy sees it. host: the Host header's name (lowercase, no port, no
// trailing dot); path: normalised by normalize_request_path, without the query.
struct RequestAttributes {
    std::string_view scheme;  // "https" or "http"
    uint16_t port = 0;        // the original destination port
    std::string_view host;
    std::string_view method;
    std::string_view path;
};

enum class MatchOutcome { none, inject, ambiguous };

struct MatchResult {
    MatchOutcome outcome = MatchOutcome::none;
    const ActiveBinding* binding = nullptr;  // set for inject
};

class ActiveBindings {
  public:
    ActiveBindings(int64_t revision, std::vector<ActiveBinding> bindings);

    int64_t revision() const { return revision_; }
    const std::vector<ActiveBinding>& bindings() const { return bindings_; }

    // Upstream's rule: every field must match; exact hosts beat wildcards; more than one binding
    // left at the best precedence is ambiguous.
    MatchResult match(const RequestAttributes& request) const;
    // Whether any binding for this scheme and port names this host: the proxy decrypts a TLS
    // connection only when its SNI passes this test.
    bool covers_host(std::string_view scheme, uint16_t port, std::string_view host) const;
    // Whether any binding applies to this scheme and port at all.
    bool covers_port(std::string_view scheme, uint16_t port) const;

    // Every secret and every rendered value, replaced by "[REDACTED]" wherever it appears in text.
    std::string redact(std::string_view text) const;

  private:
    int64_t revision_;
    std::vector<ActiveBinding> bindings_;
    std::vector<std::string> redactions_;  // longest first, so a value containing another goes whole
};

// "/a/./b/../c?x" -> "/c"-style normalisation before matching: the query is dropped, %2E/%2e
// decoded as '.', dot segments removed (RFC 3986 §5.2.4), repeated slashes kept. nullopt for a
// target a server could read differently (encoded '/' or '\\', a backslash, '..' above the root,
// a NUL, an absolute-form or non-'/' target): such a request never gets a credential.
std::optional<std::string> normalize_request_path(std::string_view target);

}  // namespace egress::vault
