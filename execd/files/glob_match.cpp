#include "files/glob_match.hpp"

#include <string>
#include <vector>

namespace execd::files {
namespace {

// Length of the UTF-8 sequence starting at text[at] (1 for invalid bytes).
std::size_t sequence_length(std::string_view text, std::size_t at) {
    const auto lead = static_cast<unsigned char>(text[at]);
    std::size_t length = 1;
    if (lead >= 0xF0) {
        length = 4;
    } else if (lead >= 0xE0) {
        length = 3;
    } else if (lead >= 0xC0) {
        length = 2;
    }
    return at + length <= text.size() ? length : 1;
}

// Decodes one character as a code point (invalid bytes as themselves).
char32_t decode(std::string_view text, std::size_t at, std::size_t& length) {
    length = sequence_length(text, at);
    const auto lead = static_cast<unsigned char>(text[at]);
    if (length == 1) {
        return lead;
    }
    char32_t value = lead & (0x7F >> length);
    for (std::size_t i = 1; i < length; ++i) {
        value = (value << 6) | (static_cast<unsigned char>(text[at + i]) & 0x3F);
    }
    return value;
}

// Index of the character that closes the group opened just before `from` ('}' or ')'), honouring
// nesting and escapes; npos when it is not closed.
std::size_t find_closing(std::string_view pattern, std::size_t from, char open, char close) {
    int depth = 0;
    for (std::size_t i = from; i < pattern.size(); ++i) {
        if (pattern[i] == '\\') {
            ++i;
        } else if (pattern[i] == open) {
            ++depth;
        } else if (pattern[i] == close) {
            if (depth == 0) {
                return i;
            }
            --depth;
        }
    }
    return std::string_view::npos;
}

// Positions (pattern, name) one name may cost: far above what real patterns need on a file name,
// and a few milliseconds at most.
constexpr std::size_t kStepBudget = 100'000;

// match() is a pure function of its positions, so the positions of the original pattern already
// known not to match are remembered: stars then cost pattern length x name length, not an
// exponential. Alternatives and negations build new patterns, which the step budget bounds.
struct Matcher {
    std::string_view name;
    const std::string* original = nullptr;
    mutable std::vector<bool> failed;  // (pi, ni) of `original` that do not match
    mutable std::size_t steps = 0;

    GlobResult match(const std::string& pattern, std::size_t pi, std::size_t ni) const;
    GlobResult match_uncached(const std::string& pattern, std::size_t pi, std::size_t ni) const;
    GlobResult match_star(const std::string& pattern, std::size_t pi, std::size_t ni) const;
    GlobResult match_class(const std::string& pattern, std::size_t pi, std::size_t ni) const;
    GlobResult match_alternatives(const std::string& pattern, std::size_t pi, std::size_t ni) const;
    GlobResult match_negation(const std::string& pattern, std::size_t pi, std::size_t ni) const;
};

bool at_segment_start(const std::string& pattern, std::size_t pi) {
    return pi == 0 || pattern[pi - 1] == '/';
}

GlobResult Matcher::match(const std::string& pattern, std::size_t pi, std::size_t ni) const {
    const bool cached = &pattern == original;
    const std::size_t slot = pi * (name.size() + 1) + ni;
    if (cached && failed[slot]) {
        return GlobResult::no_match;
    }
    if (++steps > kStepBudget) {
        return GlobResult::too_complex;
    }
    const GlobResult result = match_uncached(pattern, pi, ni);
    if (cached && result == GlobResult::no_match) {
        failed[slot] = true;
    }
    return result;
}

GlobResult Matcher::match_uncached(const std::string& pattern, std::size_t pi, std::size_t ni) const {
    while (pi < pattern.size()) {
        const char c = pattern[pi];
        if (c == '*') {
            return match_star(pattern, pi, ni);
        }
        if (c == '[') {
            return match_class(pattern, pi, ni);
        }
        if (c == '{') {
            return match_alternatives(pattern, pi, ni);
        }
        if (c == '!') {
            return match_negation(pattern, pi, ni);
        }
        if (c == '?') {
            if (ni >= name.size() || name[ni] == '/') {
                return GlobResult::no_match;
            }
            ni += sequence_length(name, ni);
            ++pi;
            continue;
        }
        if (c == '\\' && ++pi >= pattern.size()) {
            return GlobResult::bad_pattern;
        }
        const std::size_t length = sequence_length(pattern, pi);
        if (name.compare(ni, length, pattern, pi, length) != 0) {
            return GlobResult::no_match;
        }
        pi += length;
        ni += length;
    }
    return ni == name.size() ? GlobResult::match : GlobResult::no_match;
}

GlobResult Matcher::match_star(const std::string& pattern, std::size_t pi, std::size_t ni) const {
    const bool segment_start = at_segment_start(pattern, pi);
    std::size_t after = pi + 1;
    const bool double_star = after < pattern.size() && pattern[after] == '*';
    if (double_star) {
        ++after;
        while (after < pattern.size() && pattern[after] == '*') {
            ++after;
        }
    }
    if (double_star && segment_start && (after == pattern.size() || pattern[after] == '/')) {
        if (after == pattern.size()) {
            return GlobResult::match;
        }
        // "**/": zero or more whole segments.
        for (std::size_t at = ni;; ++at) {
            if (at == ni || name[at - 1] == '/') {
                const GlobResult result = match(pattern, after + 1, at);
                if (result != GlobResult::no_match) {
                    return result;
                }
            }
            if (at >= name.size()) {
                return GlobResult::no_match;
            }
        }
    }
    for (std::size_t at = ni;; at += sequence_length(name, at)) {
        const GlobResult result = match(pattern, after, at);
        if (result != GlobResult::no_match) {
            return result;
        }
        if (at >= name.size() || name[at] == '/') {
            return GlobResult::no_match;
        }
    }
}

GlobResult Matcher::match_class(const std::string& pattern, std::size_t pi, std::size_t ni) const {
    std::size_t at = pi + 1;
    const bool negate = at < pattern.size() && (pattern[at] == '!' || pattern[at] == '^');
    at += negate ? 1 : 0;
    if (at >= pattern.size() || pattern[at] == ']') {
        return GlobResult::bad_pattern;
    }
    std::size_t name_length = 0;
    const bool has_char = ni < name.size();
    const char32_t wanted = has_char ? decode(name, ni, name_length) : 0;
    bool matched = false;
    while (at < pattern.size() && pattern[at] != ']') {
        std::size_t length = 0;
        if (pattern[at] == '\\' && ++at >= pattern.size()) {
            return GlobResult::bad_pattern;
        }
        const char32_t low = decode(pattern, at, length);
        at += length;
        char32_t high = low;
        if (at + 1 < pattern.size() && pattern[at] == '-' && pattern[at + 1] != ']') {
            ++at;
            if (pattern[at] == '\\' && ++at >= pattern.size()) {
                return GlobResult::bad_pattern;
            }
            high = decode(pattern, at, length);
            at += length;
        }
        matched = matched || (low <= wanted && wanted <= high);
    }
    if (at >= pattern.size()) {
        return GlobResult::bad_pattern;
    }
    if (!has_char || name[ni] == '/' || matched == negate) {
        return GlobResult::no_match;
    }
    return match(pattern, at + 1, ni + name_length);
}

GlobResult Matcher::match_alternatives(const std::string& pattern, std::size_t pi, std::size_t ni) const {
    const std::size_t close = find_closing(pattern, pi + 1, '{', '}');
    if (close == std::string::npos) {
        return GlobResult::bad_pattern;
    }
    const std::string rest = pattern.substr(close + 1);
    std::size_t start = pi + 1;
    int depth = 0;
    for (std::size_t i = pi + 1; i <= close; ++i) {
        const char c = pattern[i];
        if (c == '\\') {
            ++i;
            continue;
        }
        if (c == '{') {
            ++depth;
        } else if (c == '}' && depth > 0) {
            --depth;
        } else if ((c == ',' && depth == 0) || i == close) {
            const std::string candidate = pattern.substr(0, pi) + pattern.substr(start, i - start) + rest;
            const GlobResult result = match(candidate, pi, ni);
            if (result != GlobResult::no_match) {
                return result;
            }
            start = i + 1;
        }
    }
    return GlobResult::no_match;
}

GlobResult Matcher::match_negation(const std::string& pattern, std::size_t pi, std::size_t ni) const {
    if (pi + 1 >= pattern.size() || pattern[pi + 1] != '(') {
        return GlobResult::bad_pattern;
    }
    const std::size_t close = find_closing(pattern, pi + 2, '(', ')');
    if (close == std::string::npos) {
        return GlobResult::bad_pattern;
    }
    const std::string inner =
        pattern.substr(0, pi) + pattern.substr(pi + 2, close - pi - 2) + pattern.substr(close + 1);
    const GlobResult result = match(inner, pi, ni);
    if (result == GlobResult::bad_pattern || result == GlobResult::too_complex) {
        return result;
    }
    return result == GlobResult::match ? GlobResult::no_match : GlobResult::match;
}

}  // namespace

GlobResult glob_match(std::string_view pattern, std::string_view name) {
    const std::string owned(pattern);
    Matcher matcher{name, &owned, std::vector<bool>((owned.size() + 1) * (name.size() + 1)), 0};
    const GlobResult result = matcher.match(owned, 0, 0);
    if (result == GlobResult::no_match && !glob_is_valid(pattern)) {
        return GlobResult::bad_pattern;
    }
    return result;
}

bool glob_is_valid(std::string_view pattern) {
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        const char c = pattern[i];
        if (c == '\\') {
            if (++i >= pattern.size()) {
                return false;
            }
        } else if (c == '[') {
            std::size_t at = i + 1;
            if (at < pattern.size() && (pattern[at] == '!' || pattern[at] == '^')) {
                ++at;
            }
            if (at >= pattern.size() || pattern[at] == ']') {
                return false;
            }
            while (at < pattern.size() && pattern[at] != ']') {
                at += pattern[at] == '\\' ? 2 : 1;
            }
            if (at >= pattern.size()) {
                return false;
            }
            i = at;
        } else if (c == '{') {
            if (find_closing(pattern, i + 1, '{', '}') == std::string_view::npos) {
                return false;
            }
        } else if (c == '!') {
            if (i + 1 >= pattern.size() || pattern[i + 1] != '(' ||
                find_closing(pattern, i + 2, '(', ')') == std::string_view::npos) {
                return false;
            }
        }
    }
    return true;
}

}  // namespace execd::files
