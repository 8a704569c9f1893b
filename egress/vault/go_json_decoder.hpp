#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

// Decoding JSON the way Go's encoding/json does with DisallowUnknownFields, so that the vault's
// 400 bodies match upstream: field names matched case-insensitively, null leaves a field as it
// is, and errors worded as Go words them. Every error is VaultError(invalid).
namespace egress::vault::go_json {

using Value = nlohmann::ordered_json;

// Where a value sits, for type errors: the Go struct holding the field and the field path from
// the root ("bindings.match.ports"). Empty at the root.
struct Location {
    std::string struct_name;
    std::string path;

    Location field(std::string_view holder_struct, std::string_view name) const;
};

// Parses the first JSON value of the body; bytes after it are ignored. Syntax errors are Go's
// ("EOF" for a body without a value, "unexpected EOF" for one cut short, "invalid character ...").
Value parse_first_value(std::string_view body);

// `json: cannot unmarshal <kind> into Go struct field <S>.<path> of type <go_type>`, or
// `... into Go value of type <go_type>` at the root.
[[noreturn]] void throw_type_error(const Value& value, std::string_view go_type, const Location& at);
// The same with Go's wording of the value given ("number 1.5").
[[noreturn]] void throw_type_error_for(std::string_view json_kind, std::string_view go_type,
                                       const Location& at);

// The fields of upstream's struct `struct_name` (package credentialvault): calls
// on_field(declared field name, value, its location) for every key in document order; throws
// `json: unknown field "<key>"` for a key no field name matches. null is a no-op.
using FieldHandler = std::function<void(std::string_view, const Value&, const Location&)>;
void decode_struct(const Value& value, std::string_view struct_name, const Location& at,
                   std::initializer_list<std::string_view> field_names, const FieldHandler& on_field);

// Calls on_element for each element; null is a no-op.
void decode_array(const Value& value, std::string_view go_type, const Location& at,
                  const std::function<void(const Value&)>& on_element);

// Strings and integers; null keeps `into` unchanged.
void decode_string(const Value& value, const Location& at, std::string& into);
void decode_string_list(const Value& value, const Location& at, std::vector<std::string>& into);
// go_type: "int" or "int64" (both 64-bit in upstream's build).
void decode_integer(const Value& value, std::string_view go_type, const Location& at, int64_t& into);

}  // namespace egress::vault::go_json
