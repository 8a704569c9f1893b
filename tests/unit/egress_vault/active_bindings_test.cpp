#include "vault/active_bindings.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace egress::vault {
namespace {

ActiveBinding active_binding(std::string name, std::vector<std::string> hosts, std::string secret) {
    ActiveBinding binding;
    binding.name = std::move(name);
    binding.match.schemes = {"https"};
    binding.match.ports = {443};
    binding.match.hosts = std::move(hosts);
    binding.match.methods = {"GET", "POST"};
    binding.match.paths = {"/*"};
    binding.headers = {{"Authorization", "Bearer " + secret}};
    binding.secrets = {secret};
    return binding;
}

RequestAttributes get(std::string_view host, std::string_view path = "/") {
    return {"https", 443, host, "GET", path};
}

TEST(ActiveBindings, NoBindingNoMatch) {
    const ActiveBindings bindings(1, {});
    EXPECT_EQ(bindings.match(get("api.github.com")).outcome, MatchOutcome::none);
    EXPECT_EQ(bindings.redact("nothing to hide"), "nothing to hide");
}

TEST(ActiveBindings, EveryFieldMustMatch) {
    ActiveBinding binding = active_binding("gh", {"api.github.com"}, "s");
    binding.match.paths = {"/repos/*", "/user"};
    const ActiveBindings bindings(3, {binding});
    const MatchResult hit = bindings.match(get("api.github.com", "/repos/x"));
    ASSERT_EQ(hit.outcome, MatchOutcome::inject);
    EXPECT_EQ(hit.binding->name, "gh");
    EXPECT_EQ(bindings.match(get("api.github.com", "/user")).outcome, MatchOutcome::inject);
    EXPECT_EQ(bindings.match(get("api.github.com", "/user/x")).outcome, MatchOutcome::none);
    EXPECT_EQ(bindings.match(get("api.github.com", "/repo")).outcome, MatchOutcome::none);
    EXPECT_EQ(bindings.match(get("github.com", "/repos/x")).outcome, MatchOutcome::none);
    EXPECT_EQ(bindings.match({"http", 443, "api.github.com", "GET", "/user"}).outcome, MatchOutcome::none);
    EXPECT_EQ(bindings.match({"https", 80, "api.github.com", "GET", "/user"}).outcome, MatchOutcome::none);
    EXPECT_EQ(bindings.match({"https", 443, "api.github.com", "DELETE", "/user"}).outcome,
              MatchOutcome::none);
    EXPECT_EQ(bindings.match({"https", 443, "api.github.com", "post", "/user"}).outcome,
              MatchOutcome::inject);
}

TEST(ActiveBindings, WildcardsMatchBelowButNotTheApex) {
    const ActiveBindings bindings(1, {active_binding("wild", {"*.example.com"}, "s")});
    EXPECT_EQ(bindings.match(get("a.example.com")).outcome, MatchOutcome::inject);
    EXPECT_EQ(bindings.match(get("a.b.example.com")).outcome, MatchOutcome::inject);
    EXPECT_EQ(bindings.match(get("example.com")).outcome, MatchOutcome::none);
    EXPECT_EQ(bindings.match(get("badexample.com")).outcome, MatchOutcome::none);
}

TEST(ActiveBindings, ExactHostBeatsWildcard) {
    const ActiveBindings bindings(1, {active_binding("wild", {"*.example.com"}, "w"),
                                      active_binding("exact", {"api.example.com"}, "e")});
    const MatchResult hit = bindings.match(get("api.example.com"));
    ASSERT_EQ(hit.outcome, MatchOutcome::inject);
    EXPECT_EQ(hit.binding->name, "exact");
    EXPECT_EQ(bindings.match(get("other.example.com")).binding->name, "wild");
}

TEST(ActiveBindings, TiesAtTheBestPrecedenceAreAmbiguous) {
    const ActiveBindings exact(
        1, {active_binding("a", {"api.example.com"}, "1"), active_binding("b", {"api.example.com"}, "2")});
    const MatchResult result = exact.match(get("api.example.com"));
    EXPECT_EQ(result.outcome, MatchOutcome::ambiguous);
    EXPECT_EQ(result.binding, nullptr);
    const ActiveBindings wild(
        1, {active_binding("a", {"*.example.com"}, "1"), active_binding("b", {"*.api.example.com"}, "2"),
            active_binding("c", {"x.api.example.com"}, "3")});
    EXPECT_EQ(wild.match(get("y.api.example.com")).outcome, MatchOutcome::ambiguous);
    EXPECT_EQ(wild.match(get("x.api.example.com")).binding->name, "c");
}

TEST(ActiveBindings, CoversHostAndPort) {
    ActiveBinding plain = active_binding("plain", {"plain.example.com"}, "p");
    plain.match.schemes = {"http"};
    plain.match.ports = {80};
    const ActiveBindings bindings(1, {active_binding("wild", {"*.example.com"}, "w"), plain});
    EXPECT_TRUE(bindings.covers_host("https", 443, "a.example.com"));
    EXPECT_FALSE(bindings.covers_host("https", 443, "example.com"));
    EXPECT_FALSE(bindings.covers_host("https", 443, "api.github.com"));
    EXPECT_FALSE(bindings.covers_host("https", 80, "a.example.com"));
    EXPECT_TRUE(bindings.covers_host("http", 80, "plain.example.com"));
    EXPECT_TRUE(bindings.covers_port("https", 443));
    EXPECT_TRUE(bindings.covers_port("http", 80));
    EXPECT_FALSE(bindings.covers_port("http", 443));
    EXPECT_FALSE(bindings.covers_port("https", 8443));
}

TEST(ActiveBindings, RedactReplacesSecretsAndRenderedValues) {
    const ActiveBindings bindings(1, {active_binding("a", {"a.example.com"}, "tok"),
                                      active_binding("b", {"b.example.com"}, "tok-longer")});
    EXPECT_EQ(bindings.redact("x=tok; y=tok-longer; Bearer tok"), "x=[REDACTED]; y=[REDACTED]; [REDACTED]");
    EXPECT_EQ(bindings.redact("tok-longer-tail"), "[REDACTED]-tail");
    EXPECT_EQ(bindings.redact(""), "");
}

TEST(ActiveBindings, RedactionDoesNotRescanItsMarker) {
    const ActiveBindings bindings(1, {active_binding("a", {"a.example.com"}, "RED")});
    EXPECT_EQ(bindings.redact("RED"), "[REDACTED]");
}

}  // namespace
}  // namespace egress::vault
