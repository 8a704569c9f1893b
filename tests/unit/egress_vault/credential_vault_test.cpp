#include "vault/credential_vault.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "policy/rule.hpp"
#include "vault/vault_json.hpp"
#include "vault_test_support.hpp"

namespace egress::vault {
namespace {

using testing::bearer_binding;
using testing::expect_invalid;
using testing::expect_vault_error;
using testing::github_policy;
using testing::github_request;
using testing::inline_credential;
using testing::policy_from_json;

class CredentialVaultTest : public ::testing::Test {
  protected:
    VaultState create(CreateRequest request = github_request()) {
        return vault.create(std::move(request), *policy);
    }
    VaultState patch(PatchRequest request) { return vault.patch(std::move(request), *policy); }

    std::shared_ptr<const policy::PolicySnapshot> policy = github_policy();
    CredentialVault vault;
};

std::vector<std::string> credential_names(const VaultState& state) {
    std::vector<std::string> names;
    for (const Credential& credential : state.credentials) {
        names.push_back(credential.name);
    }
    return names;
}

std::vector<std::string> binding_names(const VaultState& state) {
    std::vector<std::string> names;
    for (const Binding& binding : state.bindings) {
        names.push_back(binding.name);
    }
    return names;
}

TEST_F(CredentialVaultTest, CreateStartsAtRevisionOne) {
    EXPECT_FALSE(vault.state());
    EXPECT_EQ(vault.active(), nullptr);
    const VaultState state = create();
    EXPECT_EQ(state.revision, 1);
    ASSERT_EQ(state.credentials.size(), 1u);
    EXPECT_EQ(state.credentials[0].revision, 1);
    EXPECT_EQ(state.credentials[0].source_type, "inline");
    ASSERT_TRUE(vault.state());
    EXPECT_EQ(vault.state()->revision, 1);
    ASSERT_NE(vault.active(), nullptr);
    EXPECT_EQ(vault.active()->revision(), 1);
}

TEST_F(CredentialVaultTest, EmptyCreateIsValid) {
    EXPECT_EQ(create(CreateRequest{}).revision, 1);
    EXPECT_TRUE(vault.active()->bindings().empty());
}

TEST_F(CredentialVaultTest, CreateTwiceConflicts) {
    create();
    expect_vault_error([&] { create(); }, VaultError::Kind::conflict, "credential vault already exists");
}

TEST_F(CredentialVaultTest, CreateRefusesDuplicateNames) {
    CreateRequest credentials = github_request();
    credentials.credentials.push_back(inline_credential(" gh ", "other"));
    expect_invalid([&] { create(credentials); }, R"(duplicate credential name "gh")");
    CreateRequest bindings = github_request();
    bindings.bindings.push_back(bearer_binding("gh-api ", "x.example.com", "gh"));
    expect_invalid([&] { create(bindings); }, R"(duplicate binding name "gh-api")");
    EXPECT_FALSE(vault.state());
}

TEST_F(CredentialVaultTest, ResponsesAreSortedByName) {
    CreateRequest request;
    for (const char* name : {"zeta", "Alpha", "beta"}) {
        request.credentials.push_back(inline_credential(name, "v"));
        request.bindings.push_back(bearer_binding(name, std::string(name) + ".example.com", name));
    }
    const VaultState state = create(request);
    EXPECT_EQ(credential_names(state), (std::vector<std::string>{"Alpha", "beta", "zeta"}));
    EXPECT_EQ(binding_names(state), (std::vector<std::string>{"Alpha", "beta", "zeta"}));
}

TEST_F(CredentialVaultTest, PatchWithoutVaultIsNotFound) {
    expect_vault_error([&] { patch({}); }, VaultError::Kind::not_found, "credential vault not found");
    expect_vault_error([&] { vault.remove(); }, VaultError::Kind::not_found, "credential vault not found");
}

TEST_F(CredentialVaultTest, EveryPatchBumpsTheRevision) {
    create();
    EXPECT_EQ(patch({}).revision, 2);
    EXPECT_EQ(patch({}).revision, 3);
    EXPECT_EQ(vault.active()->revision(), 3);
}

TEST_F(CredentialVaultTest, ExpectedRevisionMismatchConflicts) {
    create();
    PatchRequest request;
    request.expected_revision = 5;
    expect_vault_error([&] { patch(request); }, VaultError::Kind::conflict,
                       "expectedRevision 5 does not match current revision 1");
    request.expected_revision = 1;
    EXPECT_EQ(patch(request).revision, 2);
}

TEST_F(CredentialVaultTest, CredentialRevisionIsWhenLastAddedOrReplaced) {
    create();
    PatchRequest add;
    add.credentials.add = {inline_credential("other", "v2")};
    patch(add);  // revision 2
    PatchRequest replace;
    replace.credentials.replace = {inline_credential("gh", "rotated")};
    const VaultState state = patch(replace);  // revision 3
    EXPECT_EQ(state.revision, 3);
    EXPECT_EQ(state.credentials[0].name, "gh");
    EXPECT_EQ(state.credentials[0].revision, 3);
    EXPECT_EQ(state.credentials[1].name, "other");
    EXPECT_EQ(state.credentials[1].revision, 2);
    EXPECT_EQ(binding_json(state.bindings[0], state.revision)["revision"], 3);
    EXPECT_EQ(vault.active()->bindings()[0].headers[0].value, "Bearer rotated");
}

TEST_F(CredentialVaultTest, PatchAppliesDeleteThenReplaceThenAdd) {
    create();
    PatchRequest request;
    request.bindings.remove = {" gh-api "};
    request.credentials.remove = {"gh"};
    request.credentials.add = {inline_credential("new", "n")};
    Binding binding = bearer_binding("fresh", "api.github.com", "new");
    request.bindings.add = {binding};
    const VaultState state = patch(request);
    EXPECT_EQ(credential_names(state), (std::vector<std::string>{"new"}));
    EXPECT_EQ(binding_names(state), (std::vector<std::string>{"fresh"}));
}

TEST_F(CredentialVaultTest, PatchMessages) {
    create();
    const auto expect_patch_error = [&](PatchRequest request, std::string_view message) {
        expect_invalid([&] { patch(request); }, message);
    };
    PatchRequest request;
    request.credentials.remove = {" "};
    expect_patch_error(request, "credential delete name cannot be blank");
    request = {};
    request.bindings.remove = {""};
    expect_patch_error(request, "binding delete name cannot be blank");
    request = {};
    request.credentials.remove = {"missing"};
    expect_patch_error(request, R"(credential "missing" does not exist)");
    request = {};
    request.credentials.replace = {inline_credential("missing", "v")};
    expect_patch_error(request, R"(credential "missing" does not exist)");
    request = {};
    request.credentials.add = {inline_credential("gh", "v")};
    expect_patch_error(request, R"(credential "gh" already exists)");
    request = {};
    request.credentials.add = {inline_credential("x", "v"), inline_credential("x", "w")};
    expect_patch_error(request, R"(duplicate credential add name "x")");
    request = {};
    request.credentials.remove = {"gh"};
    request.credentials.add = {inline_credential("gh", "v")};
    expect_patch_error(request, R"(credential "gh" mentioned by multiple operations)");
    request = {};
    request.credentials.remove = {"gh", "gh"};
    expect_patch_error(request, R"(credential "gh" mentioned by multiple operations)");
    request = {};
    request.credentials.remove = {"gh"};
    request.credentials.replace = {inline_credential("gh", "v")};
    expect_patch_error(request, R"(credential "gh" mentioned by multiple operations)");
    request = {};
    request.bindings.remove = {"gh-api"};
    request.bindings.add = {bearer_binding("gh-api", "api.github.com", "gh")};
    expect_patch_error(request, R"(binding "gh-api" mentioned by multiple operations)");
    request = {};
    request.bindings.add = {bearer_binding("gh-api", "x.example.com", "gh")};
    expect_patch_error(request, R"(binding "gh-api" already exists)");
    request = {};
    request.bindings.add = {bearer_binding("x", "x.example.com", "gh"),
                            bearer_binding("x", "y.example.com", "gh")};
    expect_patch_error(request, R"(duplicate binding add name "x")");
    request = {};
    request.bindings.replace = {bearer_binding("nope", "x.example.com", "gh")};
    expect_patch_error(request, R"(binding "nope" does not exist)");
    request = {};
    request.credentials.remove = {"gh"};
    expect_patch_error(request, R"(binding "gh-api" references unknown credential "gh")");
}

TEST_F(CredentialVaultTest, FailedPatchChangesNothing) {
    create();
    const VaultState before = *vault.state();
    const auto active_before = vault.active();
    PatchRequest request;
    request.credentials.replace = {inline_credential("gh", "rotated")};
    request.bindings.add = {bearer_binding("evil", "evil.org", "gh")};
    expect_invalid([&] { patch(request); },
                   R"(binding "evil" host "evil.org" is not covered by an explicit allow egress rule)");
    const VaultState after = *vault.state();
    EXPECT_EQ(after.revision, before.revision);
    EXPECT_EQ(after.credentials[0].value, "ghp_secret_value");
    EXPECT_EQ(after.bindings, before.bindings);
    EXPECT_EQ(vault.active(), active_before);
}

TEST_F(CredentialVaultTest, RemoveResetsToNoVault) {
    create();
    patch({});
    vault.remove();
    EXPECT_FALSE(vault.state());
    EXPECT_EQ(vault.active(), nullptr);
    EXPECT_EQ(create().revision, 1);
}

TEST_F(CredentialVaultTest, ReferencesToUnknownCredentials) {
    CreateRequest request = github_request();
    request.bindings[0].auth.credential = "nope";
    expect_invalid([&] { create(request); }, R"(binding "gh-api" references unknown credential "nope")");
    request.bindings[0].auth = {"customHeaders", "", "", {{"x-a", "gh"}, {"x-b", "missing"}}};
    expect_invalid([&] { create(request); }, R"(binding "gh-api" references unknown credential "missing")");
}

TEST_F(CredentialVaultTest, PortsMustBeInterceptPorts) {
    CreateRequest request = github_request();
    request.bindings[0].match.ports = {443, 8443};
    expect_invalid([&] { create(request); },
                   R"(binding "gh-api" port 8443 is not a configured transparent intercept port)");
    request.bindings[0].match.ports = {80, 443};
    EXPECT_EQ(create(request).bindings[0].match.ports, (std::vector<uint16_t>{80, 443}));
}

TEST_F(CredentialVaultTest, BindingsNeedEgressRules) {
    policy = policy_from_json(R"({"defaultAction":"allow"})");
    expect_invalid([&] { create(); },
                   "credential bindings require explicit networkPolicy.egress allow rules");
    CreateRequest credentials_only = github_request();
    credentials_only.bindings.clear();
    EXPECT_EQ(create(credentials_only).revision, 1);
}

TEST_F(CredentialVaultTest, HostsMustBeCoveredByAnExplicitAllowRule) {
    const auto expect_uncovered = [&](std::string_view policy_json, std::string host) {
        SCOPED_TRACE(std::string(policy_json) + " " + host);
        CredentialVault fresh;
        CreateRequest request = github_request();
        request.bindings[0].match.hosts = {host};
        expect_invalid(
            [&] { fresh.create(request, *policy_from_json(policy_json)); },
            R"(binding "gh-api" host ")" + host + R"(" is not covered by an explicit allow egress rule)");
    };
    const auto expect_covered = [&](std::string_view policy_json, std::string host) {
        SCOPED_TRACE(std::string(policy_json) + " " + host);
        CredentialVault fresh;
        CreateRequest request = github_request();
        request.bindings[0].match.hosts = {host};
        EXPECT_NO_THROW(fresh.create(request, *policy_from_json(policy_json)));
    };
    // Default allow is not an explicit rule.
    expect_uncovered(R"({"defaultAction":"allow","egress":[{"action":"allow","target":"other.com"}]})",
                     "api.github.com");
    expect_covered(R"({"defaultAction":"deny","egress":[{"action":"allow","target":"api.github.com"}]})",
                   "api.github.com");
    expect_covered(R"({"defaultAction":"deny","egress":[{"action":"allow","target":"*.github.com"}]})",
                   "api.github.com");
    // A wildcard rule does not cover its apex.
    expect_uncovered(R"({"defaultAction":"deny","egress":[{"action":"allow","target":"*.github.com"}]})",
                     "github.com");
    // An earlier deny wins first-match evaluation.
    expect_uncovered(R"({"defaultAction":"deny","egress":[{"action":"deny","target":"api.github.com"},)"
                     R"({"action":"allow","target":"*.github.com"}]})",
                     "api.github.com");
    expect_covered(R"({"defaultAction":"deny","egress":[{"action":"allow","target":"*.github.com"}]})",
                   "*.github.com");
    expect_covered(R"({"defaultAction":"deny","egress":[{"action":"allow","target":"*.github.com"}]})",
                   "*.api.github.com");
    // An exact rule does not cover a wildcard binding.
    expect_uncovered(R"({"defaultAction":"deny","egress":[{"action":"allow","target":"github.com"}]})",
                     "*.github.com");
    expect_uncovered(R"({"defaultAction":"deny","egress":[{"action":"allow","target":"*.api.github.com"}]})",
                     "*.github.com");
}

TEST_F(CredentialVaultTest, AlwaysDenyOverlayUncoversAHost) {
    policy::AlwaysRules overlay;
    overlay.deny.push_back(policy::make_rule("deny", "api.github.com"));
    policy = testing::policy_from_json(
        R"({"defaultAction":"deny","egress":[{"action":"allow","target":"api.github.com"}]})", overlay);
    expect_invalid(
        [&] { create(); },
        R"(binding "gh-api" host "api.github.com" is not covered by an explicit allow egress rule)");
}

TEST_F(CredentialVaultTest, HostsThePassThroughListIgnoresAreRefused) {
    VaultSettings settings;
    settings.ignore_hosts = {"  ", "([", "^api\\.github\\.com$"};
    expect_invalid([&] { CredentialVault(settings).create(github_request(), *policy); },
                   R"(binding "gh-api" host "api.github.com" matches mitmproxy ignore_hosts)");
    CreateRequest wildcard = github_request();
    wildcard.bindings[0].match.hosts = {"*.example.com"};
    settings.ignore_hosts = {"probe\\.example"};
    expect_invalid([&] { CredentialVault(settings).create(wildcard, *policy); },
                   R"(binding "gh-api" host "*.example.com" matches mitmproxy ignore_hosts)");
    settings.ignore_hosts = {"^other\\."};
    EXPECT_NO_THROW(CredentialVault(settings).create(wildcard, *policy));
}

TEST_F(CredentialVaultTest, AmbiguousBindingsAreRefused) {
    CreateRequest request = github_request();
    request.bindings.push_back(bearer_binding("another", "api.github.com", "gh"));
    expect_invalid([&] { create(request); }, R"(bindings "another" and "gh-api" can match the same request)");

    request.bindings[1].match.methods = {"POST"};
    request.bindings[0].match.methods = {"GET"};
    EXPECT_NO_THROW(CredentialVault().create(request, *policy));

    request.bindings[1].match.methods = {};
    request.bindings[1].match.paths = {"/repos/*"};
    request.bindings[0].match.paths = {"/repos/x/*"};
    expect_invalid([&] { CredentialVault().create(request, *policy); },
                   R"(bindings "another" and "gh-api" can match the same request)");
    request.bindings[0].match.paths = {"/users"};
    EXPECT_NO_THROW(CredentialVault().create(request, *policy));
}

TEST_F(CredentialVaultTest, ExactAndWildcardNeverCollideButNestedWildcardsDo) {
    CreateRequest request;
    request.credentials.push_back(inline_credential("c", "v"));
    request.bindings.push_back(bearer_binding("exact", "a.example.com", "c"));
    request.bindings.push_back(bearer_binding("wild", "*.example.com", "c"));
    EXPECT_NO_THROW(CredentialVault().create(request, *policy));
    request.bindings.push_back(bearer_binding("nested", "*.b.example.com", "c"));
    expect_invalid([&] { CredentialVault().create(request, *policy); },
                   R"(bindings "nested" and "wild" can match the same request)");
    request.bindings.back().match.ports = {80};
    EXPECT_NO_THROW(CredentialVault().create(request, *policy));
}

TEST_F(CredentialVaultTest, CheckPolicyValidatesTheBindingsAgainstACandidate) {
    vault.check_policy(*policy_from_json(R"({"defaultAction":"deny"})"));  // no vault
    create(CreateRequest{});
    vault.check_policy(*policy_from_json(R"({"defaultAction":"deny"})"));  // no bindings
    vault.remove();
    create();
    expect_invalid([&] { vault.check_policy(*policy_from_json(R"({"defaultAction":"deny"})")); },
                   "credential bindings require explicit networkPolicy.egress allow rules");
    expect_invalid(
        [&] {
            vault.check_policy(*policy_from_json(
                R"({"defaultAction":"deny","egress":[{"action":"allow","target":"example.com"}]})"));
        },
        R"(binding "gh-api" host "api.github.com" is not covered by an explicit allow egress rule)");
    vault.check_policy(*policy_from_json(
        R"({"defaultAction":"deny","egress":[{"action":"allow","target":"*.github.com"}]})"));
    EXPECT_EQ(vault.state()->revision, 1);
}

TEST_F(CredentialVaultTest, ActiveBindingsRenderHeaders) {
    CreateRequest request;
    request.credentials = {inline_credential("tok", "T"), inline_credential("user", "dXNlcjpwYXNz"),
                           inline_credential("key", "K")};
    Binding bearer = bearer_binding("1-bearer", "a.example.com", "tok");
    Binding basic = bearer_binding("2-basic", "b.example.com", "user");
    basic.auth.type = "basic";
    Binding api_key = bearer_binding("3-key", "c.example.com", "key");
    api_key.auth = {"apiKey", "x-api-key", "key", {}};
    Binding custom = bearer_binding("4-custom", "d.example.com", "");
    custom.auth = {"customHeaders", "", "", {{"x-one", "tok"}, {"x-two", "key"}}};
    request.bindings = {custom, api_key, basic, bearer};
    create(request);
    const auto active = vault.active();
    ASSERT_EQ(active->bindings().size(), 4u);
    const auto& bindings = active->bindings();
    EXPECT_EQ(bindings[0].headers, (std::vector<RenderedHeader>{{"Authorization", "Bearer T"}}));
    EXPECT_EQ(bindings[1].headers, (std::vector<RenderedHeader>{{"Authorization", "Basic dXNlcjpwYXNz"}}));
    EXPECT_EQ(bindings[2].headers, (std::vector<RenderedHeader>{{"X-Api-Key", "K"}}));
    EXPECT_EQ(bindings[3].headers, (std::vector<RenderedHeader>{{"X-One", "T"}, {"X-Two", "K"}}));
    EXPECT_EQ(active->redact("T|Bearer T|dXNlcjpwYXNz|K"), "[REDACTED]|[REDACTED]|[REDACTED]|[REDACTED]");
}

}  // namespace
}  // namespace egress::vault
