#include "vault/vault_json.hpp"

#include <gtest/gtest.h>

#include <string>

#include "vault/credential_vault.hpp"
#include "vault_test_support.hpp"

namespace egress::vault {
namespace {

using testing::expect_invalid;

void expect_create_error(std::string_view body, std::string_view message) {
    SCOPED_TRACE(body);
    expect_invalid([&] { parse_create_request(body); }, message);
}

void expect_patch_error(std::string_view body, std::string_view message) {
    SCOPED_TRACE(body);
    expect_invalid([&] { parse_patch_request(body); }, message);
}

TEST(VaultJson, ParsesACreateRequest) {
    const CreateRequest request = parse_create_request(R"({
        "credentials":[{"name":"gh","source":{"type":"inline","value":"secret"}}],
        "bindings":[{"name":"gh-api",
                     "match":{"schemes":["https"],"ports":[443],"hosts":["api.github.com"],
                              "methods":["GET"],"paths":["/repos/*"]},
                     "auth":{"type":"apiKey","credential":"gh","name":"x-key"}}]})");
    ASSERT_EQ(request.credentials.size(), 1u);
    EXPECT_EQ(request.credentials[0].name, "gh");
    EXPECT_EQ(request.credentials[0].source_type, "inline");
    EXPECT_EQ(request.credentials[0].value, "secret");
    ASSERT_EQ(request.bindings.size(), 1u);
    const Binding& binding = request.bindings[0];
    EXPECT_EQ(binding.match.ports, (std::vector<uint16_t>{443}));
    EXPECT_EQ(binding.match.paths, (std::vector<std::string>{"/repos/*"}));
    EXPECT_EQ(binding.auth.type, "apiKey");
    EXPECT_EQ(binding.auth.name, "x-key");
}

TEST(VaultJson, SourceTypeIsOptional) {
    const CreateRequest request =
        parse_create_request(R"({"credentials":[{"name":"gh","source":{"value":"v"}}]})");
    EXPECT_EQ(request.credentials[0].source_type, "");
}

TEST(VaultJson, KeysMatchCaseInsensitively) {
    const CreateRequest request =
        parse_create_request(R"({"CREDENTIALS":[{"Name":"gh","SOURCE":{"Value":"v"}}],"Bindings":null})");
    EXPECT_EQ(request.credentials[0].name, "gh");
    EXPECT_EQ(request.credentials[0].value, "v");
    const PatchRequest patch =
        parse_patch_request(R"({"expectedrevision":4,"credentials":{"DELETE":["a"]}})");
    EXPECT_EQ(patch.expected_revision, 4);
    EXPECT_EQ(patch.credentials.remove, (std::vector<std::string>{"a"}));
}

TEST(VaultJson, EmptyAndNullBodies) {
    expect_create_error("", "EOF");
    expect_create_error("  \n", "EOF");
    expect_patch_error("", "EOF");
    EXPECT_TRUE(parse_create_request("null").credentials.empty());
    EXPECT_FALSE(parse_patch_request("{}").expected_revision);
}

TEST(VaultJson, TrailingBytesAfterTheFirstValueAreIgnored) {
    EXPECT_EQ(parse_create_request(R"({"credentials":[{"name":"a"}]} trailing)").credentials.size(), 1u);
}

TEST(VaultJson, SyntaxErrorsReadLikeGo) {
    expect_create_error(R"({"credentials":[)", "unexpected EOF");
    expect_create_error(R"({"a")", "unexpected EOF");
    expect_create_error("x", "invalid character 'x' looking for beginning of value");
    expect_create_error(R"({"a" 1})", "invalid character '1' after object key");
    expect_create_error(R"({"a":1 "b":2})", "invalid character '\"' after object key:value pair");
    expect_create_error(R"({"credentials":[1 2]})", "invalid character '2' after array element");
    expect_create_error("{,}", "invalid character ',' looking for beginning of object key string");
    expect_create_error(R"({'a':1})", "invalid character '\\'' looking for beginning of object key string");
    expect_create_error("{\"a\":tru}", "invalid character '}' in literal true (expecting 'e')");
    expect_create_error(R"({"a":-x})", "invalid character 'x' in numeric literal");
    expect_create_error(R"({"a":1.})", "invalid character '}' after decimal point in numeric literal");
    expect_create_error(R"({"a":1e})", "invalid character '}' in exponent of numeric literal");
    expect_create_error(R"({"a":"\q"})", "invalid character 'q' in string escape code");
    expect_create_error("{\"a\":\"\n\"}", "invalid character '\\n' in string literal");
    expect_create_error(std::string(10001, '['), "exceeded max depth");
}

TEST(VaultJson, InvalidUtf8BecomesReplacementCharacters) {
    const CreateRequest request =
        parse_create_request("{\"credentials\":[{\"name\":\"a\xff\",\"source\":{\"value\":\"v\"}}]}");
    EXPECT_EQ(request.credentials[0].name, "a\xef\xbf\xbd");
}

TEST(VaultJson, UnknownFieldsAreRefused) {
    expect_create_error(R"({"credentials":[],"extra":1})", R"(json: unknown field "extra")");
    expect_create_error(R"({"credentials":[{"name":"a","source":{"value":"v","ttl":3}}]})",
                        R"(json: unknown field "ttl")");
    expect_create_error(R"({"bindings":[{"name":"b","match":{"host":["a.com"]}}]})",
                        R"(json: unknown field "host")");
    expect_create_error(R"({"bindings":[{"auth":{"headers":[{"name":"x","value":"v"}]}}]})",
                        R"(json: unknown field "value")");
    expect_patch_error(R"({"credentials":{"remove":["a"]}})", R"(json: unknown field "remove")");
    expect_patch_error(R"({"bindings":{"add":[{"nam":"b"}]}})", R"(json: unknown field "nam")");
}

TEST(VaultJson, TypeErrorsReadLikeGo) {
    expect_create_error("[]",
                        "json: cannot unmarshal array into Go value of type credentialvault.CreateRequest");
    expect_patch_error(R"("x")",
                       "json: cannot unmarshal string into Go value of type credentialvault.MutationRequest");
    expect_create_error(
        R"({"credentials":{}})",
        "json: cannot unmarshal object into Go struct field CreateRequest.credentials of type "
        "[]credentialvault.Credential");
    expect_create_error(
        R"({"credentials":["x"]})",
        "json: cannot unmarshal string into Go struct field CreateRequest.credentials of type "
        "credentialvault.Credential");
    expect_create_error(
        R"({"credentials":[{"name":5}]})",
        "json: cannot unmarshal number into Go struct field Credential.credentials.name of type string");
    expect_create_error(
        R"({"credentials":[{"source":{"value":true}}]})",
        "json: cannot unmarshal bool into Go struct field InlineCredentialSource.credentials.source.value "
        "of type string");
    expect_create_error(
        R"({"bindings":[{"match":{"ports":["443"]}}]})",
        "json: cannot unmarshal string into Go struct field Match.bindings.match.ports of type int");
    expect_create_error(
        R"({"bindings":[{"match":{"schemes":"https"}}]})",
        "json: cannot unmarshal string into Go struct field Match.bindings.match.schemes of type []string");
    expect_create_error(
        R"({"bindings":[{"auth":{"headers":[{"name":[]}]}}]})",
        "json: cannot unmarshal array into Go struct field CustomHeaderEntry.bindings.auth.headers.name "
        "of type string");
    expect_patch_error(
        R"({"expectedRevision":"3"})",
        "json: cannot unmarshal string into Go struct field MutationRequest.expectedRevision of type int64");
    expect_patch_error(
        R"({"credentials":{"delete":"a"}})",
        "json: cannot unmarshal string into Go struct field CredentialMutationSet.credentials.delete of "
        "type []string");
    expect_patch_error(R"({"bindings":[]})",
                       "json: cannot unmarshal array into Go struct field MutationRequest.bindings of type "
                       "credentialvault.BindingMutationSet");
}

TEST(VaultJson, NumbersThatAreNotIntegers) {
    expect_create_error(
        R"({"bindings":[{"match":{"ports":[1.5]}}]})",
        "json: cannot unmarshal number 1.5 into Go struct field Match.bindings.match.ports of type int");
    expect_create_error(
        R"({"bindings":[{"name":1.5}]})",
        "json: cannot unmarshal number into Go struct field Binding.bindings.name of type string");
}

TEST(VaultJson, TheFirstErrorInDocumentOrderWins) {
    expect_create_error(R"({"zzz":1,"credentials":5})", R"(json: unknown field "zzz")");
    expect_create_error(
        R"({"credentials":5,"zzz":1})",
        "json: cannot unmarshal number into Go struct field CreateRequest.credentials of type "
        "[]credentialvault.Credential");
}

TEST(VaultJson, OutOfRangePortsReachValidation) {
    const CreateRequest request =
        parse_create_request(R"({"bindings":[{"match":{"ports":[443,70000,-1]}}]})");
    EXPECT_EQ(request.bindings[0].match.ports, (std::vector<uint16_t>{443}));
    EXPECT_EQ(request.bindings[0].match.invalid_wire_port, 70000);
}

TEST(VaultJson, ParsesAPatchRequest) {
    const PatchRequest request = parse_patch_request(R"({"expectedRevision":3,
        "credentials":{"add":[{"name":"a","source":{"value":"1"}}],"replace":[{"name":"b","source":{"value":"2"}}],
                       "delete":["c"]},
        "bindings":{"add":[{"name":"x"}],"replace":[{"name":"y"}],"delete":["z"]}})");
    EXPECT_EQ(request.expected_revision, 3);
    EXPECT_EQ(request.credentials.add[0].name, "a");
    EXPECT_EQ(request.credentials.replace[0].value, "2");
    EXPECT_EQ(request.credentials.remove, (std::vector<std::string>{"c"}));
    EXPECT_EQ(request.bindings.add[0].name, "x");
    EXPECT_EQ(request.bindings.replace[0].name, "y");
    EXPECT_EQ(request.bindings.remove, (std::vector<std::string>{"z"}));
}

TEST(VaultJson, StateJsonHasUpstreamsShapeAndNoSecret) {
    CredentialVault vault;
    CreateRequest request = parse_create_request(R"({
        "credentials":[{"name":"k","source":{"value":"SECRET-K"}},{"name":"gh","source":{"value":"SECRET-GH"}}],
        "bindings":[{"name":"key","match":{"hosts":["a.example.com"]},"auth":{"type":"apiKey","name":"x-key","credential":"k"}},
                    {"name":"bearer","match":{"hosts":["api.github.com"]},"auth":{"type":"bearer","credential":"gh"}},
                    {"name":"custom","match":{"hosts":["b.example.com"]},
                     "auth":{"type":"customHeaders","headers":[{"name":"x-a","credential":"k"}]}}]})");
    const VaultState state = vault.create(std::move(request), *testing::github_policy());
    const std::string body = state_json(state).dump();
    EXPECT_EQ(body.find("SECRET"), std::string::npos);
    EXPECT_EQ(
        body,
        R"({"revision":1,"credentials":[{"name":"gh","sourceType":"inline","revision":1},)"
        R"({"name":"k","sourceType":"inline","revision":1}],"bindings":[)"
        R"({"name":"bearer","revision":1,"match":{"schemes":["https"],"ports":[443],"hosts":["api.github.com"],)"
        R"("methods":["GET","POST","PUT","PATCH","DELETE"],"paths":["/*"]},"auth":{"type":"bearer"}},)"
        R"({"name":"custom","revision":1,"match":{"schemes":["https"],"ports":[443],"hosts":["b.example.com"],)"
        R"("methods":["GET","POST","PUT","PATCH","DELETE"],"paths":["/*"]},"auth":{"type":"customHeaders"}},)"
        R"({"name":"key","revision":1,"match":{"schemes":["https"],"ports":[443],"hosts":["a.example.com"],)"
        R"("methods":["GET","POST","PUT","PATCH","DELETE"],"paths":["/*"]},"auth":{"type":"apiKey","name":"X-Key"}}]})");
    for (const Credential& credential : state.credentials) {
        EXPECT_EQ(credential_json(credential).dump().find("SECRET"), std::string::npos);
    }
}

TEST(VaultJson, EmptyStateKeepsItsArrays) {
    EXPECT_EQ(state_json(VaultState{4, {}, {}}).dump(), R"({"revision":4,"credentials":[],"bindings":[]})");
}

}  // namespace
}  // namespace egress::vault
