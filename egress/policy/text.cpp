#include "policy/text.hpp"

namespace egress::policy {

std::string_view trim_space(std::string_view text) {
    constexpr std::string_view space = " \t\n\r\v\f";
    const size_t first = text.find_first_not_of(space);
    if (first == std::string_view::npos) {
        return {};
    }
    return text.substr(first, text.find_last_not_of(space) - first + 1);
}

std::string to_lower_ascii(std::string_view text) {
    std::string lowered(text);
    for (char& c : lowered) {
        c = lower_ascii(c);
    }
    return lowered;
}

}  // namespace egress::policy
