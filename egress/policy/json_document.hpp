#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>

namespace egress::policy {

// Parses JSON the way Go's encoding/json presents it to a struct: object keys are folded to
// lowercase ASCII so "DefaultAction" and "EGRESS" match, and a repeated key (in any case) keeps
// the value that comes last in the text. Nesting deeper than max_depth is rejected so hostile
// input cannot make the document arbitrarily deep. Throws PolicyError "invalid JSON: ...".
nlohmann::json parse_json_folding_keys(std::string_view text, size_t max_depth = 32);

// "object", "array", "string", "number", "boolean" or "null".
const char* json_type_name(const nlohmann::json& value);

}  // namespace egress::policy
