#include "http/access_token.hpp"

namespace execd::http {

bool AccessToken::allows(std::optional<std::string_view> presented) const {
    if (expected_.empty()) {
        return true;
    }
    if (!presented) {
        return false;
    }
    unsigned char difference = presented->size() == expected_.size() ? 0 : 1;
    for (std::size_t i = 0; i < presented->size(); ++i) {
        const unsigned char expected_byte = static_cast<unsigned char>(expected_[i % expected_.size()]);
        difference |= static_cast<unsigned char>(static_cast<unsigned char>((*presented)[i]) ^ expected_byte);
    }
    return difference == 0;
}

}  // namespace execd::http
