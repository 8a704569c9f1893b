#pragma once

#include <string>
#include <string_view>

// Binding host patterns: an exact FQDN ("api.example.com") or a leftmost wildcard
// ("*.example.com", every name below example.com but not the apex).
namespace egress::vault {

// Trims, drops one trailing dot, lowercases and validates. Throws VaultError(invalid) with
// upstream's text (without the "binding ..." prefix).
std::string normalize_binding_host(std::string_view raw);

bool is_wildcard_host(std::string_view pattern);
// "example.com" for "*.example.com"; the pattern itself for an exact host.
std::string_view wildcard_suffix(std::string_view pattern);

// How well a pattern names a host: 2 exact, 1 wildcard, 0 no match. The host is compared
// case-insensitively; a wildcard never matches its apex.
int host_match_precedence(std::string_view pattern, std::string_view host);

// Whether `name` lies strictly below `suffix` ("a.b.c" below "b.c"), ignoring ASCII case.
bool is_strictly_below(std::string_view name, std::string_view suffix);

}  // namespace egress::vault
