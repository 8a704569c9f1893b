#include "tls/openssl_error.hpp"

#include <openssl/err.h>

#include <array>
#include <stdexcept>
#include <string>

namespace egress::tls {

namespace {

std::string drain_openssl_errors() {
    std::string reasons;
    while (const unsigned long code = ERR_get_error()) {
        std::array<char, 256> text{};
        ERR_error_string_n(code, text.data(), text.size());
        if (!reasons.empty()) {
            reasons += "; ";
        }
        reasons += text.data();
    }
    return reasons.empty() ? "no OpenSSL error reported" : reasons;
}

}  // namespace

void throw_openssl_error(std::string_view what) {
    throw std::runtime_error(std::string(what) + ": " + drain_openssl_errors());
}

}  // namespace egress::tls
