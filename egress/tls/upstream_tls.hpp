#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <string_view>

#include "tls/certificate_authority.hpp"

// The OpenSSL contexts of the interception proxy: one side faces the sandbox with the authority's
// leaf certificates, the other verifies the real servers. Failures throw std::runtime_error with
// OpenSSL's reasons.
namespace egress::tls {

struct UpstreamTrust {
    std::string extra_trust_dir;  // PEM certificates (*.pem, *.crt) trusted besides the system store
    bool insecure = false;        // no verification of upstream servers at all
};

// Server-side context for the connections the proxy accepts from the sandbox (TLS 1.2+, ALPN:
// offers only "http/1.1" if the client lists it; certificates are set per connection).
std::shared_ptr<SSL_CTX> make_downstream_context();

// Client-side context for the proxy's upstream connections: TLS 1.2+, verification against the
// system default store plus every PEM certificate in extra_trust_dir when set (a missing directory
// is an error naming it), SSL_VERIFY_PEER unless insecure, ALPN "http/1.1".
std::shared_ptr<SSL_CTX> make_upstream_context(const UpstreamTrust& trust);

// Per connection: SNI = host (not for an IP literal), verification of the certificate against host.
void prepare_upstream_session(SSL* ssl, std::string_view host);

// Per accepted connection: installs the leaf certificate and key on the server-side SSL.
void use_leaf(SSL* ssl, const LeafCertificate& leaf);

}  // namespace egress::tls
