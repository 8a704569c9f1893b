#include "http/access_token.hpp"

namespace execd::http {
namespace {

bool equal_in_constant_time(std::string_view expected, std::string_view presented) {
    unsigned char difference = presented.size() == expected.size() ? 0 : 1;
    for (std::size_t i = 0; i < presented.size(); ++i) {
        const unsigned char expected_byte = static_cast<unsigned char>(expected[i % expected.size()]);
        difference |= static_cast<unsigned char>(static_cast<unsigned char>(presented[i]) ^ expected_byte);
    }
    return difference == 0;
}

bool token_allows(std::string_view expected, std::optional<std::string_view> presented) {
    if (expected.empty()) {
        return true;
    }
    return presented && equal_in_constant_time(expected, *presented);
}

}  // namespace

bool AccessToken::allows(std::optional<std::string_view> presented) const {
    if (file_) {
        return token_allows(file_->current(), presented);
    }
    return token_allows(expected_, presented);
}

}  // namespace execd::http
