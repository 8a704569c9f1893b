#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Environment-variable helpers shared by both daemons. An unset variable and an empty one are treated alike
// wherever a default applies.
namespace common {

// Removes leading and trailing ASCII whitespace.
std::string_view trim(std::string_view text) noexcept;

// ASCII case-insensitive comparison.
bool equals_ignoring_case(std::string_view a, std::string_view b) noexcept;

// Splits on `separator`, trims every item and drops the empty ones: " a, ,b " -> {"a", "b"}.
std::vector<std::string> split_list(std::string_view text, char separator = ',');

// True for 1, true, yes, y, on (trimmed, case-insensitive); false for anything else.
bool is_truthy(std::string_view text) noexcept;

// Strict base-10 integer: optional sign, digits, nothing else (no whitespace). nullopt when invalid or
// outside int64_t.
std::optional<int64_t> parse_int(std::string_view text) noexcept;

// The variable's value exactly as set; nullopt when unset.
std::optional<std::string> env_raw(const std::string& name);

// The value with surrounding whitespace removed; nullopt when unset.
std::optional<std::string> env_trimmed(const std::string& name);

// The raw value, or `fallback` when the variable is unset or empty.
std::string env_or(const std::string& name, std::string_view fallback);

// is_truthy(value); false when unset.
bool env_truthy(const std::string& name);

// The untrimmed value parsed by parse_int. Returns `fallback` when unset, empty, not an integer, or outside
// [min, max]. Throws std::invalid_argument when min > max.
int64_t env_int_in_range_or(const std::string& name, int64_t fallback, int64_t min, int64_t max);

// Like env_int_in_range_or, but an integer outside [min, max] is clamped to the nearest bound instead of
// being replaced by `fallback`. Unset, empty or non-integer values still give `fallback`.
int64_t env_int_clamped(const std::string& name, int64_t fallback, int64_t min, int64_t max);

// split_list of the value; empty when unset.
std::vector<std::string> env_list(const std::string& name, char separator = ',');

}  // namespace common
