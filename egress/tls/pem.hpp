#pragma once

#include <string>
#include <string_view>

#include "tls/openssl_handles.hpp"

// PEM text of the authority's certificates and keys.
namespace egress::tls {

std::string certificate_to_pem(X509* certificate);
std::string private_key_to_pem(EVP_PKEY* key);

// nullptr when text holds no certificate (or key) OpenSSL can read; the error queue is cleared.
X509Ptr certificate_from_pem(std::string_view text);
EvpPkeyPtr private_key_from_pem(std::string_view text);

}  // namespace egress::tls
