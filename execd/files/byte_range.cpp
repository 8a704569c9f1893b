#include "files/byte_range.hpp"

#include <charconv>
#include <optional>

namespace execd::files {
namespace {

std::string_view trim_spaces(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

std::optional<uint64_t> parse_digits(std::string_view text) {
    if (text.empty()) {
        return std::nullopt;
    }
    uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

bool unit_is_bytes(std::string_view unit) {
    if (unit.size() != 5) {
        return false;
    }
    static constexpr std::string_view kBytes = "bytes";
    for (std::size_t i = 0; i < unit.size(); ++i) {
        if ((unit[i] | 0x20) != kBytes[i]) {
            return false;
        }
    }
    return true;
}

// One "a-b", "a-" or "-n"; nullopt when malformed. `satisfiable` is false for a range that does not
// overlap a file of `size` bytes.
std::optional<RangeDecision> parse_one(std::string_view spec, uint64_t size, bool& satisfiable) {
    const std::size_t dash = spec.find('-');
    if (dash == std::string_view::npos) {
        return std::nullopt;
    }
    const std::string_view first_text = trim_spaces(spec.substr(0, dash));
    const std::string_view last_text = trim_spaces(spec.substr(dash + 1));
    if (first_text.empty()) {
        const auto suffix = parse_digits(last_text);
        if (!suffix) {
            return std::nullopt;
        }
        satisfiable = *suffix > 0 && size > 0;
        const uint64_t length = std::min(*suffix, size);
        return RangeDecision{RangeDecision::Kind::partial, size - length, size == 0 ? 0 : size - 1};
    }
    const auto first = parse_digits(first_text);
    if (!first) {
        return std::nullopt;
    }
    uint64_t last = size == 0 ? 0 : size - 1;
    if (!last_text.empty()) {
        const auto parsed = parse_digits(last_text);
        if (!parsed || *parsed < *first) {
            return std::nullopt;
        }
        last = std::min(*parsed, last);
    }
    satisfiable = *first < size;
    return RangeDecision{RangeDecision::Kind::partial, *first, last};
}

}  // namespace

RangeDecision decide_range(std::string_view header, uint64_t size) {
    const std::size_t equals = header.find('=');
    if (equals == std::string_view::npos || !unit_is_bytes(trim_spaces(header.substr(0, equals)))) {
        return {};
    }
    std::string_view list = header.substr(equals + 1);
    std::optional<RangeDecision> chosen;
    bool any = false;
    while (true) {
        const std::size_t comma = list.find(',');
        const std::string_view spec = trim_spaces(list.substr(0, comma));
        if (!spec.empty()) {
            any = true;
            bool satisfiable = false;
            const auto range = parse_one(spec, size, satisfiable);
            if (!range) {
                return {RangeDecision::Kind::malformed, 0, 0};
            }
            if (satisfiable && !chosen) {
                chosen = range;
            }
        }
        if (comma == std::string_view::npos) {
            break;
        }
        list.remove_prefix(comma + 1);
    }
    if (!any) {
        return {RangeDecision::Kind::malformed, 0, 0};
    }
    if (!chosen) {
        return {RangeDecision::Kind::unsatisfiable, 0, 0};
    }
    return *chosen;
}

}  // namespace execd::files
