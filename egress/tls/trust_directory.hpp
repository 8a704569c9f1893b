#pragma once

#include <openssl/x509.h>

#include <filesystem>

namespace egress::tls {

// Adds every certificate of the PEM files (*.pem, *.crt) in directory to store. Throws
// std::runtime_error naming the directory when it is missing or unreadable, or a file when it holds
// no certificate: a trust anchor silently left out would fail later, far from its cause.
void add_trust_directory(X509_STORE* store, const std::filesystem::path& directory);

}  // namespace egress::tls
