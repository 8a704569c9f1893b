#include "common/config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <stdexcept>

namespace common {
namespace {

bool is_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

void require_valid_range(int64_t min, int64_t max) {
    if (min > max) {
        throw std::invalid_argument("integer range is empty: min " + std::to_string(min) + " > max " +
                                    std::to_string(max));
    }
}

}  // namespace

bool equals_ignoring_case(std::string_view a, std::string_view b) noexcept {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
    });
}

std::string_view trim(std::string_view text) noexcept {
    while (!text.empty() && is_space(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_space(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

std::vector<std::string> split_list(std::string_view text, char separator) {
    std::vector<std::string> items;
    while (true) {
        const size_t end = text.find(separator);
        const std::string_view item = trim(text.substr(0, end));
        if (!item.empty()) {
            items.emplace_back(item);
        }
        if (end == std::string_view::npos) {
            return items;
        }
        text.remove_prefix(end + 1);
    }
}

bool is_truthy(std::string_view text) noexcept {
    const std::string_view value = trim(text);
    for (const std::string_view truthy : {"1", "true", "yes", "y", "on"}) {
        if (equals_ignoring_case(value, truthy)) {
            return true;
        }
    }
    return false;
}

std::optional<int64_t> parse_int(std::string_view text) noexcept {
    // from_chars accepts a leading '-' but not '+'; Go's Atoi accepts both.
    if (text.size() > 1 && text.front() == '+' && text[1] != '-') {
        text.remove_prefix(1);
    }
    int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || text.empty()) {
        return std::nullopt;
    }
    return value;
}

std::optional<std::string> env_raw(const std::string& name) {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) {
        return std::nullopt;
    }
    return std::string(value);
}

std::optional<std::string> env_trimmed(const std::string& name) {
    std::optional<std::string> value = env_raw(name);
    if (value) {
        *value = std::string(trim(*value));
    }
    return value;
}

std::string env_or(const std::string& name, std::string_view fallback) {
    std::optional<std::string> value = env_raw(name);
    if (!value || value->empty()) {
        return std::string(fallback);
    }
    return std::move(*value);
}

bool env_truthy(const std::string& name) {
    const std::optional<std::string> value = env_raw(name);
    return value && is_truthy(*value);
}

int64_t env_int_in_range_or(const std::string& name, int64_t fallback, int64_t min, int64_t max) {
    require_valid_range(min, max);
    const std::optional<std::string> raw = env_raw(name);
    const std::optional<int64_t> value = raw ? parse_int(*raw) : std::nullopt;
    if (!value || *value < min || *value > max) {
        return fallback;
    }
    return *value;
}

int64_t env_int_clamped(const std::string& name, int64_t fallback, int64_t min, int64_t max) {
    require_valid_range(min, max);
    const std::optional<std::string> raw = env_raw(name);
    const std::optional<int64_t> value = raw ? parse_int(*raw) : std::nullopt;
    if (!value) {
        return fallback;
    }
    return std::clamp(*value, min, max);
}

std::vector<std::string> env_list(const std::string& name, char separator) {
    const std::optional<std::string> value = env_raw(name);
    if (!value) {
        return {};
    }
    return split_list(*value, separator);
}

}  // namespace common
