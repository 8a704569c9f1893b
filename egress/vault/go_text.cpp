#include "vault/go_text.hpp"

#include <cstdint>

#include "policy/text.hpp"

namespace egress::vault {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";

void append_hex_escape(std::string& out, unsigned char byte) {
    out += "\\x";
    out += hex_digits[byte >> 4];
    out += hex_digits[byte & 0x0f];
}

void append_ascii_escaped(std::string& out, char c) {
    switch (c) {
        case '"':
            out += "\\\"";
            return;
        case '\\':
            out += "\\\\";
            return;
        case '\a':
            out += "\\a";
            return;
        case '\b':
            out += "\\b";
            return;
        case '\f':
            out += "\\f";
            return;
        case '\n':
            out += "\\n";
            return;
        case '\r':
            out += "\\r";
            return;
        case '\t':
            out += "\\t";
            return;
        case '\v':
            out += "\\v";
            return;
        default:
            break;
    }
    if (c < 0x20 || c == 0x7f) {
        append_hex_escape(out, static_cast<unsigned char>(c));
    } else {
        out += c;
    }
}

}  // namespace

size_t valid_utf8_length(std::string_view text) {
    const auto lead = static_cast<unsigned char>(text[0]);
    if (lead < 0x80) {
        return 1;
    }
    size_t length = 0;
    uint32_t code_point = 0;
    if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2;
        code_point = lead & 0x1f;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        code_point = lead & 0x0f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        code_point = lead & 0x07;
    } else {
        return 0;
    }
    if (text.size() < length) {
        return 0;
    }
    for (size_t i = 1; i < length; ++i) {
        const auto continuation = static_cast<unsigned char>(text[i]);
        if ((continuation & 0xc0) != 0x80) {
            return 0;
        }
        code_point = (code_point << 6) | (continuation & 0x3f);
    }
    const bool overlong = (length == 3 && code_point < 0x800) || (length == 4 && code_point < 0x10000);
    const bool surrogate = code_point >= 0xd800 && code_point <= 0xdfff;
    if (overlong || surrogate || code_point > 0x10ffff) {
        return 0;
    }
    return length;
}

std::string go_quote(std::string_view text) {
    std::string out = "\"";
    size_t i = 0;
    while (i < text.size()) {
        if (static_cast<unsigned char>(text[i]) < 0x80) {
            append_ascii_escaped(out, text[i]);
            ++i;
            continue;
        }
        if (const size_t length = valid_utf8_length(text.substr(i)); length > 0) {
            out.append(text.substr(i, length));
            i += length;
            continue;
        }
        append_hex_escape(out, static_cast<unsigned char>(text[i]));
        ++i;
    }
    out += '"';
    return out;
}

std::string_view trim_go_space(std::string_view text) {
    return policy::trim_space(text);
}

std::string to_upper_ascii(std::string_view text) {
    std::string upper(text);
    for (char& c : upper) {
        if (c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - 'a' + 'A');
        }
    }
    return upper;
}

std::string to_lower_ascii(std::string_view text) {
    return policy::to_lower_ascii(text);
}

}  // namespace egress::vault
