#include "api/token_check.hpp"

#include <openssl/crypto.h>

namespace egress::api {

bool token_matches(std::string_view expected, std::string_view presented) {
    if (expected.empty() || presented.size() != expected.size()) {
        return false;
    }
    return CRYPTO_memcmp(expected.data(), presented.data(), expected.size()) == 0;
}

}  // namespace egress::api
