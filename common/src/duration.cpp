#include "common/duration.hpp"

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <tuple>
#include <utility>

namespace common {
namespace {

constexpr uint64_t kNanosecond = 1;
constexpr uint64_t kMicrosecond = 1000 * kNanosecond;
constexpr uint64_t kMillisecond = 1000 * kMicrosecond;
constexpr uint64_t kSecond = 1000 * kMillisecond;
constexpr uint64_t kMinute = 60 * kSecond;
constexpr uint64_t kHour = 60 * kMinute;
// Magnitude of the most negative int64; positive results must stay one below it.
constexpr uint64_t kMaxMagnitude = uint64_t{1} << 63;

bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

std::optional<uint64_t> unit_in_nanoseconds(std::string_view unit) noexcept {
    static constexpr std::pair<std::string_view, uint64_t> kUnits[] = {
        {"ns", kNanosecond},
        {"us", kMicrosecond},
        {"\u00b5s", kMicrosecond},
        {"\u03bcs", kMicrosecond},
        {"ms", kMillisecond},
        {"s", kSecond},
        {"m", kMinute},
        {"h", kHour},
    };
    for (const auto& [name, nanoseconds] : kUnits) {
        if (name == unit) {
            return nanoseconds;
        }
    }
    return std::nullopt;
}

// Holds either the parsed magnitude or a description of what is wrong.
struct ParseOutcome {
    std::optional<std::chrono::nanoseconds> value;
    std::string error;
};

ParseOutcome fail(std::string what, std::string_view original) {
    return {std::nullopt, std::move(what) + " in duration \"" + std::string(original) + "\""};
}

// Consumes leading digits into an integer; nullopt on overflow.
std::optional<uint64_t> take_integer(std::string_view& text) {
    uint64_t value = 0;
    while (!text.empty() && is_digit(text.front())) {
        const uint64_t digit = static_cast<uint64_t>(text.front() - '0');
        if (value > (kMaxMagnitude - digit) / 10) {
            return std::nullopt;
        }
        value = value * 10 + digit;
        text.remove_prefix(1);
    }
    return value;
}

// Consumes leading digits as a fraction: returns (digits as integer, 10^count). Digits past what fits are
// consumed but ignored, as Go does.
std::pair<uint64_t, uint64_t> take_fraction(std::string_view& text) {
    uint64_t digits = 0;
    uint64_t scale = 1;
    bool saturated = false;
    while (!text.empty() && is_digit(text.front())) {
        if (!saturated && digits <= (std::numeric_limits<uint64_t>::max() / 10 - 9) &&
            scale <= std::numeric_limits<uint64_t>::max() / 10) {
            digits = digits * 10 + static_cast<uint64_t>(text.front() - '0');
            scale *= 10;
        } else {
            saturated = true;
        }
        text.remove_prefix(1);
    }
    return {digits, scale};
}

ParseOutcome parse(std::string_view original) {
    std::string_view text = original;
    bool negative = false;
    if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
        negative = text.front() == '-';
        text.remove_prefix(1);
    }
    if (text == "0") {
        return {std::chrono::nanoseconds::zero(), {}};
    }
    if (text.empty()) {
        return fail("empty value", original);
    }
    uint64_t total = 0;
    while (!text.empty()) {
        if (!(is_digit(text.front()) || text.front() == '.')) {
            return fail("expected a number", original);
        }
        const size_t length_before = text.size();
        const std::optional<uint64_t> whole = take_integer(text);
        if (!whole) {
            return fail("overflow", original);
        }
        const bool has_whole = text.size() != length_before;
        uint64_t fraction = 0;
        uint64_t scale = 1;
        bool has_fraction = false;
        if (!text.empty() && text.front() == '.') {
            text.remove_prefix(1);
            const size_t length_after_dot = text.size();
            std::tie(fraction, scale) = take_fraction(text);
            has_fraction = text.size() != length_after_dot;
        }
        if (!has_whole && !has_fraction) {
            return fail("expected digits around '.'", original);
        }
        size_t unit_length = 0;
        while (unit_length < text.size() && !is_digit(text[unit_length]) && text[unit_length] != '.') {
            ++unit_length;
        }
        if (unit_length == 0) {
            return fail("missing unit (ns, us, ms, s, m or h)", original);
        }
        const std::string_view unit_text = text.substr(0, unit_length);
        text.remove_prefix(unit_length);
        const std::optional<uint64_t> unit = unit_in_nanoseconds(unit_text);
        if (!unit) {
            return fail("unknown unit \"" + std::string(unit_text) + "\"", original);
        }
        if (*whole > kMaxMagnitude / *unit) {
            return fail("overflow", original);
        }
        uint64_t component = *whole * *unit;
        if (fraction > 0) {
            component += static_cast<uint64_t>(static_cast<double>(fraction) *
                                               (static_cast<double>(*unit) / static_cast<double>(scale)));
        }
        if (component > kMaxMagnitude || total > kMaxMagnitude - component) {
            return fail("overflow", original);
        }
        total += component;
    }
    if (negative) {
        // Two's-complement negation of the magnitude; also correct for exactly 2^63.
        return {std::chrono::nanoseconds(static_cast<int64_t>(~total + 1)), {}};
    }
    if (total >= kMaxMagnitude) {
        return fail("overflow", original);
    }
    return {std::chrono::nanoseconds(static_cast<int64_t>(total)), {}};
}

// Splits `value` into value / 10^precision (returned through `value`) and the fraction digits as
// ".ddd" without trailing zeros ("" when the fraction is zero).
std::string take_fraction_text(uint64_t& value, int precision) {
    std::string digits(static_cast<size_t>(precision), '0');
    bool any_nonzero = false;
    size_t last_nonzero = 0;
    for (int i = precision - 1; i >= 0; --i) {
        const uint64_t digit = value % 10;
        value /= 10;
        digits[static_cast<size_t>(i)] = static_cast<char>('0' + digit);
        if (digit != 0 && !any_nonzero) {
            any_nonzero = true;
            last_nonzero = static_cast<size_t>(i);
        }
    }
    if (!any_nonzero) {
        return "";
    }
    return "." + digits.substr(0, last_nonzero + 1);
}

std::string format_magnitude(uint64_t nanoseconds) {
    if (nanoseconds == 0) {
        return "0s";
    }
    if (nanoseconds < kMicrosecond) {
        return std::to_string(nanoseconds) + "ns";
    }
    if (nanoseconds < kMillisecond) {
        const std::string fraction = take_fraction_text(nanoseconds, 3);
        return std::to_string(nanoseconds) + fraction + "\u00b5s";
    }
    if (nanoseconds < kSecond) {
        const std::string fraction = take_fraction_text(nanoseconds, 6);
        return std::to_string(nanoseconds) + fraction + "ms";
    }
    const std::string fraction = take_fraction_text(nanoseconds, 9);
    const uint64_t seconds = nanoseconds;
    std::string text = std::to_string(seconds % 60) + fraction + "s";
    const uint64_t minutes = seconds / 60;
    if (minutes > 0) {
        text = std::to_string(minutes % 60) + "m" + text;
        const uint64_t hours = minutes / 60;
        if (hours > 0) {
            text = std::to_string(hours) + "h" + text;
        }
    }
    return text;
}

}  // namespace

std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text) {
    return parse(text).value;
}

std::chrono::nanoseconds parse_duration_or_throw(std::string_view text) {
    ParseOutcome outcome = parse(text);
    if (!outcome.value) {
        throw std::invalid_argument("invalid duration: " + outcome.error +
                                    " (expected e.g. 300ms, 1.5s, 2m, 1h30m)");
    }
    return *outcome.value;
}

std::string format_duration(std::chrono::nanoseconds duration) {
    const int64_t count = duration.count();
    if (count < 0) {
        return "-" + format_magnitude(~static_cast<uint64_t>(count) + 1);
    }
    return format_magnitude(static_cast<uint64_t>(count));
}

}  // namespace common
