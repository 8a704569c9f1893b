#include "vault/vault_json.hpp"

#include "vault/go_json_decoder.hpp"

namespace egress::vault {
namespace {

using go_json::Location;
using go_json::Value;

constexpr int64_t max_wire_port = 65535;

void decode_ports(const Value& value, const Location& at, BindingMatch& match) {
    match.ports.clear();
    match.invalid_wire_port.reset();
    go_json::decode_array(value, "[]int", at, [&](const Value& element) {
        int64_t port = 0;
        go_json::decode_integer(element, "int", at, port);
        if (port >= 1 && port <= max_wire_port) {
            match.ports.push_back(static_cast<uint16_t>(port));
        } else if (!match.invalid_wire_port) {
            match.invalid_wire_port = port;
        }
    });
}

void decode_source(const Value& value, const Location& at, Credential& credential) {
    go_json::decode_struct(value, "InlineCredentialSource", at, {"type", "value"},
                           [&](std::string_view field, const Value& field_value, const Location& here) {
                               std::string& into =
                                   field == "type" ? credential.source_type : credential.value;
                               go_json::decode_string(field_value, here, into);
                           });
}

// A pointer field in upstream's struct: null clears it.
void decode_expected_revision(const Value& value, const Location& at, std::optional<int64_t>& into) {
    if (value.is_null()) {
        into.reset();
        return;
    }
    int64_t revision = 0;
    go_json::decode_integer(value, "int64", at, revision);
    into = revision;
}

Credential decode_credential(const Value& value, const Location& at) {
    Credential credential;
    credential.source_type.clear();  // absent on the wire: validation applies the default
    go_json::decode_struct(value, "Credential", at, {"name", "source"},
                           [&](std::string_view field, const Value& field_value, const Location& here) {
                               if (field == "name") {
                                   go_json::decode_string(field_value, here, credential.name);
                               } else {
                                   decode_source(field_value, here, credential);
                               }
                           });
    return credential;
}

BindingMatch decode_match(const Value& value, const Location& at) {
    BindingMatch match;
    go_json::decode_struct(value, "Match", at, {"schemes", "ports", "hosts", "methods", "paths"},
                           [&](std::string_view field, const Value& field_value, const Location& here) {
                               if (field == "ports") {
                                   decode_ports(field_value, here, match);
                                   return;
                               }
                               std::vector<std::string>& into = field == "schemes"   ? match.schemes
                                                                : field == "hosts"   ? match.hosts
                                                                : field == "methods" ? match.methods
                                                                                     : match.paths;
                               go_json::decode_string_list(field_value, here, into);
                           });
    return match;
}

HeaderCredential decode_header_credential(const Value& value, const Location& at) {
    HeaderCredential header;
    go_json::decode_struct(value, "CustomHeaderEntry", at, {"name", "credential"},
                           [&](std::string_view field, const Value& field_value, const Location& here) {
                               go_json::decode_string(field_value, here,
                                                      field == "name" ? header.name : header.credential);
                           });
    return header;
}

std::vector<HeaderCredential> decode_header_credentials(const Value& value, const Location& at) {
    std::vector<HeaderCredential> headers;
    go_json::decode_array(value, "[]credentialvault.CustomHeaderEntry", at, [&](const Value& element) {
        headers.push_back(decode_header_credential(element, at));
    });
    return headers;
}

BindingAuth decode_auth(const Value& value, const Location& at) {
    BindingAuth auth;
    go_json::decode_struct(value, "Auth", at, {"type", "credential", "name", "headers"},
                           [&](std::string_view field, const Value& field_value, const Location& here) {
                               if (field == "headers") {
                                   auth.headers = decode_header_credentials(field_value, here);
                                   return;
                               }
                               std::string& into = field == "type"         ? auth.type
                                                   : field == "credential" ? auth.credential
                                                                           : auth.name;
                               go_json::decode_string(field_value, here, into);
                           });
    return auth;
}

Binding decode_binding(const Value& value, const Location& at) {
    Binding binding;
    go_json::decode_struct(value, "Binding", at, {"name", "match", "auth"},
                           [&](std::string_view field, const Value& field_value, const Location& here) {
                               if (field == "name") {
                                   go_json::decode_string(field_value, here, binding.name);
                               } else if (field == "match") {
                                   binding.match = decode_match(field_value, here);
                               } else {
                                   binding.auth = decode_auth(field_value, here);
                               }
                           });
    return binding;
}

std::vector<Credential> decode_credentials(const Value& value, const Location& at) {
    std::vector<Credential> credentials;
    go_json::decode_array(value, "[]credentialvault.Credential", at, [&](const Value& element) {
        credentials.push_back(decode_credential(element, at));
    });
    return credentials;
}

std::vector<Binding> decode_bindings(const Value& value, const Location& at) {
    std::vector<Binding> bindings;
    go_json::decode_array(value, "[]credentialvault.Binding", at,
                          [&](const Value& element) { bindings.push_back(decode_binding(element, at)); });
    return bindings;
}

template <typename Item>
void decode_set_mutation(const Value& value, std::string_view struct_name, const Location& at,
                         SetMutation<Item>& mutation,
                         std::vector<Item> (*decode_items)(const Value&, const Location&)) {
    go_json::decode_struct(value, struct_name, at, {"add", "replace", "delete"},
                           [&](std::string_view field, const Value& field_value, const Location& here) {
                               if (field == "add") {
                                   mutation.add = decode_items(field_value, here);
                               } else if (field == "replace") {
                                   mutation.replace = decode_items(field_value, here);
                               } else {
                                   go_json::decode_string_list(field_value, here, mutation.remove);
                               }
                           });
}

nlohmann::ordered_json match_json(const BindingMatch& match) {
    return {{"schemes", match.schemes},
            {"ports", match.ports},
            {"hosts", match.hosts},
            {"methods", match.methods},
            {"paths", match.paths}};
}

nlohmann::ordered_json auth_json(const BindingAuth& auth) {
    nlohmann::ordered_json json = {{"type", auth.type}};
    if (auth.type == "apiKey" && !auth.name.empty()) {
        json["name"] = auth.name;
    }
    return json;
}

}  // namespace

CreateRequest parse_create_request(std::string_view body) {
    const Value document = go_json::parse_first_value(body);
    CreateRequest request;
    go_json::decode_struct(document, "CreateRequest", Location{}, {"credentials", "bindings"},
                           [&](std::string_view field, const Value& value, const Location& here) {
                               if (field == "credentials") {
                                   request.credentials = decode_credentials(value, here);
                               } else {
                                   request.bindings = decode_bindings(value, here);
                               }
                           });
    return request;
}

PatchRequest parse_patch_request(std::string_view body) {
    const Value document = go_json::parse_first_value(body);
    PatchRequest request;
    go_json::decode_struct(document, "MutationRequest", Location{},
                           {"expectedRevision", "credentials", "bindings"},
                           [&](std::string_view field, const Value& value, const Location& here) {
                               if (field == "expectedRevision") {
                                   decode_expected_revision(value, here, request.expected_revision);
                               } else if (field == "credentials") {
                                   decode_set_mutation<Credential>(value, "CredentialMutationSet", here,
                                                                   request.credentials, decode_credentials);
                               } else {
                                   decode_set_mutation<Binding>(value, "BindingMutationSet", here,
                                                                request.bindings, decode_bindings);
                               }
                           });
    return request;
}

nlohmann::ordered_json state_json(const VaultState& state) {
    nlohmann::ordered_json credentials = nlohmann::ordered_json::array();
    for (const Credential& credential : state.credentials) {
        credentials.push_back(credential_json(credential));
    }
    nlohmann::ordered_json bindings = nlohmann::ordered_json::array();
    for (const Binding& binding : state.bindings) {
        bindings.push_back(binding_json(binding, state.revision));
    }
    return {{"revision", state.revision},
            {"credentials", std::move(credentials)},
            {"bindings", std::move(bindings)}};
}

nlohmann::ordered_json credential_json(const Credential& credential) {
    return {
        {"name", credential.name}, {"sourceType", credential.source_type}, {"revision", credential.revision}};
}

nlohmann::ordered_json binding_json(const Binding& binding, int64_t vault_revision) {
    return {{"name", binding.name},
            {"revision", vault_revision},
            {"match", match_json(binding.match)},
            {"auth", auth_json(binding.auth)}};
}

}  // namespace egress::vault
