#include "vault/go_json_decoder.hpp"

#include <limits>

#include "common/config.hpp"
#include "vault/go_json_syntax.hpp"
#include "vault/go_text.hpp"
#include "vault/vault_error.hpp"

namespace egress::vault::go_json {
namespace {

[[noreturn]] void throw_decode_error(const std::string& message) {
    throw VaultError(VaultError::Kind::invalid, message);
}

// What Go's UnmarshalTypeError calls the JSON value.
std::string json_kind(const Value& value) {
    switch (value.type()) {
        case Value::value_t::string:
            return "string";
        case Value::value_t::boolean:
            return "bool";
        case Value::value_t::array:
            return "array";
        case Value::value_t::object:
            return "object";
        default:
            return "number";
    }
}

// Go's encoding/json: an exact name match wins, otherwise the first case-insensitive one.
const std::string_view* find_field(std::string_view key,
                                   std::initializer_list<std::string_view> field_names) {
    for (const std::string_view& name : field_names) {
        if (name == key) {
            return &name;
        }
    }
    for (const std::string_view& name : field_names) {
        if (common::equals_ignoring_case(name, key)) {
            return &name;
        }
    }
    return nullptr;
}

}  // namespace

Location Location::field(std::string_view holder_struct, std::string_view name) const {
    return {std::string(holder_struct), path.empty() ? std::string(name) : path + "." + std::string(name)};
}

Value parse_first_value(std::string_view body) {
    const size_t end = scan_first_value(body);
    try {
        return Value::parse(replace_invalid_utf8(body.substr(0, end)));
    } catch (const nlohmann::json::parse_error&) {
        // Only escapes Go accepts and nlohmann refuses get here (a lone UTF-16 surrogate).
        throw_decode_error("invalid character in string escape code");
    }
}

void throw_type_error(const Value& value, std::string_view go_type, const Location& at) {
    throw_type_error_for(json_kind(value), go_type, at);
}

void throw_type_error_for(std::string_view json_kind, std::string_view go_type, const Location& at) {
    const std::string target =
        at.path.empty() ? "Go value" : "Go struct field " + at.struct_name + "." + at.path;
    throw_decode_error("json: cannot unmarshal " + std::string(json_kind) + " into " + target + " of type " +
                       std::string(go_type));
}

void decode_struct(const Value& value, std::string_view struct_name, const Location& at,
                   std::initializer_list<std::string_view> field_names, const FieldHandler& on_field) {
    if (value.is_null()) {
        return;
    }
    if (!value.is_object()) {
        throw_type_error(value, "credentialvault." + std::string(struct_name), at);
    }
    for (const auto& [key, field_value] : value.items()) {
        const std::string_view* field = find_field(key, field_names);
        if (field == nullptr) {
            throw_decode_error("json: unknown field " + go_quote(key));
        }
        on_field(*field, field_value, at.field(struct_name, *field));
    }
}

void decode_array(const Value& value, std::string_view go_type, const Location& at,
                  const std::function<void(const Value&)>& on_element) {
    if (value.is_null()) {
        return;
    }
    if (!value.is_array()) {
        throw_type_error(value, go_type, at);
    }
    for (const Value& element : value) {
        on_element(element);
    }
}

void decode_string(const Value& value, const Location& at, std::string& into) {
    if (value.is_null()) {
        return;
    }
    if (!value.is_string()) {
        throw_type_error(value, "string", at);
    }
    into = value.get<std::string>();
}

void decode_string_list(const Value& value, const Location& at, std::vector<std::string>& into) {
    if (value.is_null()) {
        into.clear();
        return;
    }
    std::vector<std::string> decoded;
    decode_array(value, "[]string", at, [&](const Value& element) {
        std::string text;
        decode_string(element, at, text);
        decoded.push_back(std::move(text));
    });
    into = std::move(decoded);
}

void decode_integer(const Value& value, std::string_view go_type, const Location& at, int64_t& into) {
    if (value.is_null()) {
        return;
    }
    if (value.is_number_integer() && !value.is_number_unsigned()) {
        into = value.get<int64_t>();
        return;
    }
    if (value.is_number_unsigned() &&
        value.get<uint64_t>() <= uint64_t{std::numeric_limits<int64_t>::max()}) {
        into = static_cast<int64_t>(value.get<uint64_t>());
        return;
    }
    if (value.is_number()) {
        // Go names the literal that does not fit an integer ("number 1.5").
        throw_type_error_for("number " + value.dump(), go_type, at);
    }
    throw_type_error(value, go_type, at);
}

}  // namespace egress::vault::go_json
