#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "tls/openssl_handles.hpp"

// Builds the X.509 v3 certificates of the authority: a new certificate is filled in field by field,
// then signed.
namespace egress::tls {

EvpPkeyPtr generate_p256_key();

class CertificateBuilder {
  public:
    // A v3 certificate for subject_key with a random 159-bit serial number.
    explicit CertificateBuilder(EVP_PKEY* subject_key);

    CertificateBuilder& common_name(std::string_view name);
    // From now + not_before_offset to now + lifetime, but never beyond not_after_limit (when set).
    CertificateBuilder& validity(std::chrono::seconds not_before_offset, std::chrono::seconds lifetime,
                                 const ASN1_TIME* not_after_limit = nullptr);
    // An extension in OpenSSL's configuration syntax (e.g. "critical,CA:TRUE"), resolved against
    // issuer (nullptr: self-signed). Only for fixed values, never for untrusted text.
    CertificateBuilder& extension(int nid, const char* value, X509* issuer = nullptr);
    // subjectAltName with one entry: an IP address for an IP literal, a DNS name otherwise.
    CertificateBuilder& subject_alt_name(std::string_view host);

    // The issuer name is the issuer's subject (nullptr: self-signed); SHA-256 signature.
    X509Ptr sign(EVP_PKEY* issuer_key, X509* issuer = nullptr);

  private:
    X509Ptr certificate_;
};

}  // namespace egress::tls
