#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "vault/vault_settings.hpp"
#include "vault/vault_validation.hpp"
#include "vault_test_support.hpp"

namespace egress::vault {
namespace {

using testing::bearer_binding;
using testing::expect_invalid;
using testing::inline_credential;

Binding normalized(Binding binding, VaultSettings settings = {}) {
    return normalize_binding(std::move(binding), settings);
}

Binding with_hosts(std::vector<std::string> hosts) {
    Binding binding = bearer_binding("b", "", "gh");
    binding.match.hosts = std::move(hosts);
    return binding;
}

void expect_binding_error(Binding binding, std::string_view message, VaultSettings settings = {}) {
    expect_invalid([&] { normalized(binding, settings); }, message);
}

TEST(CredentialValidation, TrimsNameDefaultsSourceTypeAndKeepsValue) {
    const Credential credential = normalize_credential(inline_credential("  gh \t", "  spaced  "), 7);
    EXPECT_EQ(credential.name, "gh");
    EXPECT_EQ(credential.source_type, "inline");
    EXPECT_EQ(credential.value, "  spaced  ");
    EXPECT_EQ(credential.revision, 7);
}

TEST(CredentialValidation, Messages) {
    expect_invalid([] { normalize_credential(inline_credential("  ", "v"), 1); },
                   "credential name cannot be blank");
    Credential vault_sourced = inline_credential("gh", "v");
    vault_sourced.source_type = " env ";
    expect_invalid([&] { normalize_credential(vault_sourced, 1); },
                   R"(unsupported credential source type "env")");
    expect_invalid([] { normalize_credential(inline_credential(" gh ", ""), 1); },
                   R"(credential "gh" inline value cannot be empty)");
    expect_invalid([] { normalize_credential(inline_credential("gh", "a\r\nX-Evil: 1"), 1); },
                   R"(credential "gh" inline value cannot contain CR, LF or NUL)");
}

TEST(BindingValidation, FillsDefaults) {
    const Binding binding = normalized(bearer_binding(" gh-api ", "API.GitHub.com.", " gh "));
    EXPECT_EQ(binding.name, "gh-api");
    EXPECT_EQ(binding.match.schemes, (std::vector<std::string>{"https"}));
    EXPECT_EQ(binding.match.ports, (std::vector<uint16_t>{443}));
    EXPECT_EQ(binding.match.hosts, (std::vector<std::string>{"api.github.com"}));
    EXPECT_EQ(binding.match.methods, (std::vector<std::string>{"GET", "POST", "PUT", "PATCH", "DELETE"}));
    EXPECT_EQ(binding.match.paths, (std::vector<std::string>{"/*"}));
    EXPECT_EQ(binding.auth.credential, "gh");
}

TEST(BindingValidation, NormalisesAndDeduplicatesInFirstSeenOrder) {
    Binding binding = with_hosts({"b.example.com", "A.example.com", "b.example.com."});
    binding.match.schemes = {"HTTP", " https", "http"};
    binding.match.ports = {80, 443, 80};
    binding.match.methods = {"post", "GET", "POST", "foo"};
    binding.match.paths = {" /v1/* ", "/v1/*", "/x"};
    const Binding result = normalized(binding);
    EXPECT_EQ(result.match.schemes, (std::vector<std::string>{"http", "https"}));
    EXPECT_EQ(result.match.ports, (std::vector<uint16_t>{80, 443}));
    EXPECT_EQ(result.match.hosts, (std::vector<std::string>{"b.example.com", "a.example.com"}));
    EXPECT_EQ(result.match.methods, (std::vector<std::string>{"POST", "GET", "FOO"}));
    EXPECT_EQ(result.match.paths, (std::vector<std::string>{"/v1/*", "/x"}));
}

TEST(BindingValidation, NameAndMatchMessages) {
    expect_binding_error(bearer_binding(" ", "api.github.com", "gh"), "binding name cannot be blank");
    expect_binding_error(with_hosts({}), R"(binding "b": match.hosts cannot be empty)");

    Binding scheme = with_hosts({"api.github.com"});
    scheme.match.schemes = {"FTP"};
    expect_binding_error(scheme, R"(binding "b": unsupported scheme "ftp")");

    Binding port = with_hosts({"api.github.com"});
    port.match.ports = {443, 0};
    expect_binding_error(port, R"(binding "b": invalid port 0)");
    port.match.ports = {};
    port.match.invalid_wire_port = 70000;
    expect_binding_error(port, R"(binding "b": invalid port 70000)");

    Binding method = with_hosts({"api.github.com"});
    method.match.methods = {"GET", "  "};
    expect_binding_error(method, R"(binding "b": method cannot be blank)");

    Binding path = with_hosts({"api.github.com"});
    path.match.paths = {"v1/*"};
    expect_binding_error(path, R"(binding "b": path pattern must start with /)");
    path.match.paths = {"  "};
    expect_binding_error(path, R"(binding "b": path pattern must start with /)");
}

TEST(BindingValidation, HostMessages) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {" . ", R"(binding "b": host cannot be blank)"},
        {"https://api.github.com",
         R"(binding "b": host "https://api.github.com" must not include scheme or path)"},
        {"api.github.com/repos",
         R"(binding "b": host "api.github.com/repos" must not include scheme or path)"},
        {"*.", R"(binding "b": invalid wildcard host "*")"},
        {"*.*.example.com", R"(binding "b": invalid wildcard host "*.*.example.com")"},
        {"*.com", R"(binding "b": invalid wildcard host "*.com")"},
        {"*.10.0.0.1", R"(binding "b": wildcard host "*.10.0.0.1" cannot target an IP address)"},
        {"a.*.example.com", R"(binding "b": invalid wildcard host "a.*.example.com")"},
        {"*example.com", R"(binding "b": invalid wildcard host "*example.com")"},
        {"10.0.0.1", R"(binding "b": credential binding host "10.0.0.1" must be an FQDN, not an IP address)"},
        {"::1", R"(binding "b": credential binding host "::1" must be an FQDN, not an IP address)"},
        {"localhost", R"(binding "b": credential binding host "localhost" must be an FQDN)"},
        {"under_score.example.com",
         R"(binding "b": credential binding host "under_score.example.com" must be an FQDN)"},
        {"-bad.example.com", R"(binding "b": credential binding host "-bad.example.com" must be an FQDN)"},
        {"a..example.com", R"(binding "b": credential binding host "a..example.com" must be an FQDN)"},
        {"b\xc3\xbc"
         "cher.de",
         "binding \"b\": credential binding host \"b\xc3\xbc"
         "cher.de\" must be an FQDN"},
        {std::string(64, 'a') + ".com",
         R"(binding "b": credential binding host ")" + std::string(64, 'a') + R"(.com" must be an FQDN)"},
    };
    for (const auto& [host, message] : cases) {
        SCOPED_TRACE(host);
        expect_binding_error(with_hosts({"api.github.com", host}), message);
    }
}

TEST(BindingValidation, AcceptsLongestLegalNames) {
    const std::string label(63, 'a');
    const std::string name = label + "." + label + "." + label + "." + std::string(61, 'b');  // 253
    ASSERT_EQ(name.size(), 253u);
    EXPECT_EQ(normalized(with_hosts({name})).match.hosts.front(), name);
    expect_binding_error(with_hosts({name + "c"}),
                         R"(binding "b": credential binding host ")" + name + R"(c" must be an FQDN)");
    EXPECT_EQ(normalized(with_hosts({" *.Example.COM. "})).match.hosts.front(), "*.example.com");
}

TEST(BindingValidation, AuthMessages) {
    Binding bearer = with_hosts({"api.github.com"});
    bearer.auth.credential = " ";
    expect_binding_error(bearer, R"(binding "b": bearer auth requires credential)");
    bearer.auth.type = "basic";
    expect_binding_error(bearer, R"(binding "b": basic auth requires credential)");

    Binding api_key = with_hosts({"api.github.com"});
    api_key.auth = {"apiKey", "x-api-key", "", {}};
    expect_binding_error(api_key, R"(binding "b": apiKey auth requires credential)");
    api_key.auth.name = "";
    expect_binding_error(api_key, R"(binding "b": invalid credential header name "")");
    api_key.auth.name = "bad header";
    expect_binding_error(api_key, R"(binding "b": invalid credential header name "bad header")");
    api_key.auth.name = "x-forwarded-for";
    expect_binding_error(api_key, R"(binding "b": reserved credential header name "X-Forwarded-For")");
    api_key.auth = {" apiKey ", " x-api-key ", " key ", {}};
    const Binding normalized_key = normalized(api_key);
    EXPECT_EQ(normalized_key.auth.name, "X-Api-Key");
    EXPECT_EQ(normalized_key.auth.credential, "key");

    Binding unknown = with_hosts({"api.github.com"});
    unknown.auth.type = "oauth";
    expect_binding_error(unknown, R"(binding "b": unsupported auth type "oauth")");
}

TEST(BindingValidation, CustomHeaderMessages) {
    Binding custom = with_hosts({"api.github.com"});
    custom.auth = {"customHeaders", "", "", {}};
    expect_binding_error(custom, R"(binding "b": customHeaders auth requires headers)");
    custom.auth.headers = {{"x-one", "a"}, {"X-ONE", "b"}};
    expect_binding_error(custom, R"(binding "b": duplicate custom header name "X-One")");
    custom.auth.headers = {{"x-one", " "}};
    expect_binding_error(custom, R"(binding "b": customHeaders entry "X-One" requires credential)");
    custom.auth.headers = {{"Content-Type", "a"}};
    expect_binding_error(custom, R"(binding "b": reserved credential header name "Content-Type")");
    custom.auth.headers = {{"x-one", "a"}, {"x-two", " b "}};
    const Binding result = normalized(custom);
    EXPECT_EQ(result.auth.headers, (std::vector<HeaderCredential>{{"X-One", "a"}, {"X-Two", "b"}}));
}

TEST(BindingValidation, ScopedMatchRequiresMethodsAndPaths) {
    VaultSettings scoped;
    scoped.require_scoped_match = true;
    Binding binding = with_hosts({"api.github.com"});
    binding.match.paths = {"/v1/*"};
    expect_binding_error(binding, R"(binding "b": match.methods must be explicit)", scoped);
    binding.match.methods = {"GET"};
    binding.match.paths = {};
    expect_binding_error(binding, R"(binding "b": match.paths must be explicit)", scoped);
    binding.match.paths = {"/v1/*", " /* "};
    expect_binding_error(binding, R"(binding "b": match.paths must not contain /*)", scoped);
    binding.match.paths = {"/v1/*"};
    EXPECT_EQ(normalized(binding, scoped).match.paths, (std::vector<std::string>{"/v1/*"}));
}

}  // namespace
}  // namespace egress::vault
