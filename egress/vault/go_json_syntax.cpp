#include "vault/go_json_syntax.hpp"

#include <cstdint>
#include <vector>

#include "vault/go_text.hpp"
#include "vault/vault_error.hpp"

namespace egress::vault::go_json {
namespace {

// encoding/json's maxNestingDepth.
constexpr size_t max_nesting_depth = 10000;

[[noreturn]] void throw_syntax(const std::string& message) {
    throw VaultError(VaultError::Kind::invalid, message);
}

void append_utf8(std::string& out, uint32_t code_point) {
    if (code_point < 0x80) {
        out += static_cast<char>(code_point);
    } else if (code_point < 0x800) {
        out += static_cast<char>(0xc0 | (code_point >> 6));
        out += static_cast<char>(0x80 | (code_point & 0x3f));
    } else {
        out += static_cast<char>(0xe0 | (code_point >> 12));
        out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (code_point & 0x3f));
    }
}

// Go's quoteChar: the byte read as the code point of the same value, quoted like a rune.
std::string quote_char(unsigned char c) {
    if (c == '\'') {
        return R"('\'')";
    }
    if (c == '"') {
        return R"('"')";
    }
    const bool printable_latin1 = c >= 0xa1 && c != 0xad;
    if (c >= 0x80 && !printable_latin1) {
        constexpr char hex[] = "0123456789abcdef";
        return std::string("'\\u00") + hex[c >> 4] + hex[c & 0x0f] + "'";
    }
    std::string text;
    append_utf8(text, c);
    const std::string quoted = go_quote(text);
    return "'" + quoted.substr(1, quoted.size() - 2) + "'";
}

[[noreturn]] void invalid_character(unsigned char c, std::string_view context) {
    throw_syntax("invalid character " + quote_char(c) + " " + std::string(context));
}

bool is_json_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

bool is_hex_digit(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

class Scanner {
  public:
    explicit Scanner(std::string_view text) : text_(text) {}

    size_t scan() {
        skip_space();
        if (at_end()) {
            throw_syntax("EOF");
        }
        scan_value_start();
        while (!containers_.empty()) {
            scan_after_value();
        }
        return position_;
    }

  private:
    enum class Container { object, array };

    bool at_end() const { return position_ >= text_.size(); }

    char peek() const {
        if (at_end()) {
            throw_syntax("unexpected EOF");
        }
        return text_[position_];
    }

    char next() {
        const char c = peek();
        ++position_;
        return c;
    }

    void skip_space() {
        while (!at_end() && is_json_space(text_[position_])) {
            ++position_;
        }
    }

    void open(Container container) {
        if (containers_.size() >= max_nesting_depth) {
            throw_syntax("exceeded max depth");
        }
        containers_.push_back(container);
    }

    // A value begins at position_ (after whitespace). Containers are only opened here; their
    // contents are handled by scan_after_value.
    void scan_value_start() {
        const char c = next();
        switch (c) {
            case '{':
                open(Container::object);
                skip_space();
                if (peek() == '}') {
                    ++position_;
                    containers_.pop_back();
                    return;
                }
                scan_object_key();
                return;
            case '[':
                open(Container::array);
                skip_space();
                if (peek() == ']') {
                    ++position_;
                    containers_.pop_back();
                    return;
                }
                scan_value_start();
                return;
            case '"':
                scan_string_rest();
                return;
            case 't':
                scan_literal_rest("true");
                return;
            case 'f':
                scan_literal_rest("false");
                return;
            case 'n':
                scan_literal_rest("null");
                return;
            default:
                if (c == '-' || is_digit(c)) {
                    scan_number_rest(c);
                    return;
                }
                invalid_character(static_cast<unsigned char>(c), "looking for beginning of value");
        }
    }

    // Inside an object, before a key: the key, the colon and the start of its value.
    void scan_object_key() {
        skip_space();
        const char c = next();
        if (c != '"') {
            invalid_character(static_cast<unsigned char>(c), "looking for beginning of object key string");
        }
        scan_string_rest();
        skip_space();
        const char colon = next();
        if (colon != ':') {
            invalid_character(static_cast<unsigned char>(colon), "after object key");
        }
        skip_space();
        scan_value_start();
    }

    // A value inside the innermost container just ended.
    void scan_after_value() {
        skip_space();
        const char c = next();
        if (containers_.back() == Container::object) {
            if (c == ',') {
                scan_object_key();
            } else if (c == '}') {
                containers_.pop_back();
            } else {
                invalid_character(static_cast<unsigned char>(c), "after object key:value pair");
            }
            return;
        }
        if (c == ',') {
            skip_space();
            scan_value_start();
        } else if (c == ']') {
            containers_.pop_back();
        } else {
            invalid_character(static_cast<unsigned char>(c), "after array element");
        }
    }

    void scan_string_rest() {
        while (true) {
            const char c = next();
            if (c == '"') {
                return;
            }
            if (c == '\\') {
                scan_escape();
            } else if (static_cast<unsigned char>(c) < 0x20) {
                invalid_character(static_cast<unsigned char>(c), "in string literal");
            }
        }
    }

    void scan_escape() {
        const char c = next();
        if (std::string_view("bfnrt\\/\"").find(c) != std::string_view::npos) {
            return;
        }
        if (c != 'u') {
            invalid_character(static_cast<unsigned char>(c), "in string escape code");
        }
        for (int i = 0; i < 4; ++i) {
            const char digit = next();
            if (!is_hex_digit(digit)) {
                invalid_character(static_cast<unsigned char>(digit), "in \\u hexadecimal character escape");
            }
        }
    }

    void scan_literal_rest(std::string_view literal) {
        for (size_t i = 1; i < literal.size(); ++i) {
            const char c = next();
            if (c != literal[i]) {
                invalid_character(static_cast<unsigned char>(c),
                                  "in literal " + std::string(literal) + " (expecting '" + literal[i] + "')");
            }
        }
    }

    void scan_digits() {
        while (!at_end() && is_digit(text_[position_])) {
            ++position_;
        }
    }

    void scan_number_rest(char first) {
        if (first == '-') {
            const char c = next();
            if (!is_digit(c)) {
                invalid_character(static_cast<unsigned char>(c), "in numeric literal");
            }
            first = c;
        }
        if (first != '0') {
            scan_digits();
        }
        if (!at_end() && text_[position_] == '.') {
            ++position_;
            const char c = next();
            if (!is_digit(c)) {
                invalid_character(static_cast<unsigned char>(c), "after decimal point in numeric literal");
            }
            scan_digits();
        }
        if (!at_end() && (text_[position_] == 'e' || text_[position_] == 'E')) {
            ++position_;
            char c = next();
            if (c == '+' || c == '-') {
                c = next();
            }
            if (!is_digit(c)) {
                invalid_character(static_cast<unsigned char>(c), "in exponent of numeric literal");
            }
            scan_digits();
        }
    }

    std::string_view text_;
    size_t position_ = 0;
    std::vector<Container> containers_;
};

}  // namespace

size_t scan_first_value(std::string_view body) {
    return Scanner(body).scan();
}

std::string replace_invalid_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    size_t i = 0;
    while (i < text.size()) {
        const size_t length = valid_utf8_length(text.substr(i));
        if (length == 0) {
            out += "\xef\xbf\xbd";
            ++i;
        } else {
            out.append(text.substr(i, length));
            i += length;
        }
    }
    return out;
}

}  // namespace egress::vault::go_json
