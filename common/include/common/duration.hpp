#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

// Go `time.Duration` text, as used by execd's flags and environment (e.g. EXECD_API_GRACE_SHUTDOWN).
namespace common {

// Parses Go duration syntax: an optional sign, then one or more <number><unit> pairs where the number may
// have a fraction and the unit is ns, us, µs, ms, s, m or h: "300ms", "1.5s", "1h30m", "-2m", "0s".
// A bare "0" is allowed; any other number needs a unit. nullopt on anything else or on int64 overflow.
std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text);

// parse_duration, but throws std::invalid_argument with a message saying what is wrong with `text`.
std::chrono::nanoseconds parse_duration_or_throw(std::string_view text);

// Formats like Go's Duration.String(): "0s", "1.5µs", "300ms", "1.5s", "1h30m0s", "-2m0s".
std::string format_duration(std::chrono::nanoseconds duration);

}  // namespace common
