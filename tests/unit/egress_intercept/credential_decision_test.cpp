#include "intercept/credential_decision.hpp"

#include <gtest/gtest.h>

namespace egress::intercept {
namespace {

namespace http = boost::beast::http;

vault::BindingMatch match(std::vector<std::string> schemes, std::vector<uint16_t> ports, std::string host,
                          std::vector<std::string> methods) {
    vault::BindingMatch result;
    result.schemes = std::move(schemes);
    result.ports = std::move(ports);
    result.hosts = {std::move(host)};
    result.methods = std::move(methods);
    result.paths = {"/v1/*"};
    return result;
}

vault::ActiveBindings bindings() {
    vault::ActiveBinding api{"api",
                             match({"https", "http"}, {443, 80}, "api.example.test", {"GET", "POST"}),
                             {{"Authorization", "Bearer SECRET-A"}},
                             {"SECRET-A"}};
    vault::ActiveBinding wildcard{"wild",
                                  match({"https"}, {443}, "*.example.test", {"GET"}),
                                  {{"X-Api-Key", "SECRET-W"}},
                                  {"SECRET-W"}};
    return vault::ActiveBindings(7, {api, wildcard});
}

RequestHeader request(std::string_view method, std::string_view target, std::string_view host) {
    RequestHeader header;
    header.method_string(boost::beast::string_view(method.data(), method.size()));
    header.target(boost::beast::string_view(target.data(), target.size()));
    header.version(11);
    if (!host.empty()) {
        header.set(http::field::host, boost::beast::string_view(host.data(), host.size()));
    }
    return header;
}

ConnectionFacts tls_to(std::string sni) {
    return {"https", common::IpEndpoint(common::IpAddress::parse_or_throw("198.51.100.10"), 443),
            std::move(sni)};
}

ConnectionFacts plain_to(std::string_view address) {
    return {"http", common::IpEndpoint(common::IpAddress::parse_or_throw(address), 80), std::nullopt};
}

NamesOfAddress resolved(std::string name, std::string address) {
    return [name, address](const common::IpAddress& queried) {
        return queried.to_string() == address ? std::vector<std::string>{name} : std::vector<std::string>{};
    };
}

TEST(CredentialDecision, ExactHostBeatsWildcardAndInjects) {
    const auto active = bindings();
    const auto decision = decide(request("GET", "/v1/items?x=1", "API.example.test:443"),
                                 tls_to("api.example.test"), &active, {});
    ASSERT_EQ(decision.verdict, Verdict::inject);
    EXPECT_EQ(decision.binding->name, "api");
    const auto other =
        decide(request("GET", "/v1/items", "www.example.test"), tls_to("www.example.test"), &active, {});
    ASSERT_EQ(other.verdict, Verdict::inject);
    EXPECT_EQ(other.binding->name, "wild");
}

TEST(CredentialDecision, NearMissesAreForwardedUntouched) {
    const auto active = bindings();
    const auto sni = tls_to("api.example.test");
    EXPECT_EQ(decide(request("DELETE", "/v1/items", "api.example.test"), sni, &active, {}).verdict,
              Verdict::forward);
    EXPECT_EQ(decide(request("GET", "/v2/items", "api.example.test"), sni, &active, {}).verdict,
              Verdict::forward);
    EXPECT_EQ(decide(request("GET", "/v1/../v2", "api.example.test"), sni, &active, {}).verdict,
              Verdict::forward);
    EXPECT_EQ(
        decide(request("GET", "/v1/items", "example.test"), tls_to("example.test"), &active, {}).verdict,
        Verdict::forward);
    EXPECT_EQ(decide(request("GET", "/v1/items", "api.example.test"), sni, nullptr, {}).verdict,
              Verdict::forward);
}

TEST(CredentialDecision, HostThatIsNotTheSniIsMisdirected) {
    const auto active = bindings();
    const auto decision =
        decide(request("GET", "/v1/items", "api.example.test"), tls_to("www.example.test"), &active, {});
    EXPECT_EQ(decision.verdict, Verdict::misdirected);
    EXPECT_EQ(decision.binding, nullptr);
}

TEST(CredentialDecision, AmbiguousPathsAreRefusedOnBoundHosts) {
    const auto active = bindings();
    const auto decision = decide(request("GET", "/v1/%2e%2e%2fadmin%2Fx", "api.example.test"),
                                 tls_to("api.example.test"), &active, {});
    EXPECT_EQ(decision.verdict, Verdict::unmatchable_path);
}

TEST(CredentialDecision, PlainHttpNeedsTheHostToHaveResolvedToTheDestination) {
    const auto active = bindings();
    const auto get = request("GET", "/v1/items", "api.example.test");
    EXPECT_EQ(decide(get, plain_to("198.51.100.10"), &active, resolved("api.example.test", "198.51.100.10"))
                  .verdict,
              Verdict::inject);
    EXPECT_EQ(decide(get, plain_to("198.51.100.20"), &active, resolved("api.example.test", "198.51.100.10"))
                  .verdict,
              Verdict::misdirected);
    EXPECT_EQ(decide(get, plain_to("198.51.100.10"), &active, {}).verdict, Verdict::misdirected);
}

TEST(CredentialDecision, InjectionReplacesClientHeadersOfAnyCase) {
    const auto active = bindings();
    auto header = request("GET", "/v1/items", "api.example.test");
    header.insert("authorization", "Bearer forged");
    header.insert("AUTHORIZATION", "Bearer forged-again");
    inject_credential(header, active.bindings().front());
    EXPECT_EQ(std::distance(header.find(http::field::authorization), header.end()) > 0, true);
    EXPECT_EQ(header.count(http::field::authorization), 1u);
    EXPECT_EQ(text_of(header[http::field::authorization]), "Bearer SECRET-A");
}

TEST(CredentialDecision, SecretsInResponseHeadersAreRedacted) {
    const auto active = bindings();
    ResponseHeader response;
    response.insert("X-Echo", "got Bearer SECRET-A here");
    response.insert("X-Plain", "nothing");
    redact_response(response, active);
    EXPECT_EQ(text_of(response["X-Echo"]), "got [REDACTED] here");
    EXPECT_EQ(text_of(response["X-Plain"]), "nothing");
}

TEST(CredentialDecision, HostOfStripsPortTrailingDotAndCase) {
    EXPECT_EQ(host_of("API.Example.test.:8443"), "api.example.test");
    EXPECT_EQ(host_of("[2001:db8::1]:443"), "2001:db8::1");
    EXPECT_EQ(host_of(""), "");
}

}  // namespace
}  // namespace egress::intercept
