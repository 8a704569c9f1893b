#include "tls/upstream_tls.hpp"

#include <array>
#include <string>

#include "tls/host_name.hpp"
#include "tls/openssl_error.hpp"
#include "tls/trust_directory.hpp"

namespace egress::tls {

namespace {

// ALPN wire format: length-prefixed protocol names.
constexpr std::array<unsigned char, 9> http1_alpn = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

void check_ssl(int result, std::string_view what) {
    if (result != 1) {
        throw_openssl_error(what);
    }
}

std::shared_ptr<SSL_CTX> new_context(const SSL_METHOD* method) {
    std::shared_ptr<SSL_CTX> context(SSL_CTX_new(method), SSL_CTX_free);
    if (!context) {
        throw_openssl_error("SSL_CTX_new");
    }
    check_ssl(SSL_CTX_set_min_proto_version(context.get(), TLS1_2_VERSION), "SSL_CTX_set_min_proto_version");
    SSL_CTX_set_options(context.get(), SSL_OP_NO_RENEGOTIATION);
    return context;
}

// The proxy speaks HTTP/1.1 only: "http/1.1" when the client offers it, else no ALPN at all (the
// client then assumes HTTP/1.1 too).
int select_http1(SSL* /*ssl*/, const unsigned char** selected, unsigned char* selected_length,
                 const unsigned char* offered, unsigned int offered_length, void* /*argument*/) {
    unsigned char* chosen = nullptr;
    unsigned char chosen_length = 0;
    const int outcome = SSL_select_next_proto(&chosen, &chosen_length, http1_alpn.data(), http1_alpn.size(),
                                              offered, offered_length);
    if (outcome != OPENSSL_NPN_NEGOTIATED) {
        return SSL_TLSEXT_ERR_NOACK;
    }
    *selected = chosen;
    *selected_length = chosen_length;
    return SSL_TLSEXT_ERR_OK;
}

void configure_verification(SSL_CTX* context, const UpstreamTrust& trust) {
    check_ssl(SSL_CTX_set_default_verify_paths(context), "SSL_CTX_set_default_verify_paths");
    if (!trust.extra_trust_dir.empty()) {
        add_trust_directory(SSL_CTX_get_cert_store(context), trust.extra_trust_dir);
    }
    SSL_CTX_set_verify(context, trust.insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, nullptr);
}

}  // namespace

std::shared_ptr<SSL_CTX> make_downstream_context() {
    std::shared_ptr<SSL_CTX> context = new_context(TLS_server_method());
    SSL_CTX_set_alpn_select_cb(context.get(), select_http1, nullptr);
    return context;
}

std::shared_ptr<SSL_CTX> make_upstream_context(const UpstreamTrust& trust) {
    std::shared_ptr<SSL_CTX> context = new_context(TLS_client_method());
    configure_verification(context.get(), trust);
    // Unlike every other call here, 0 means success.
    if (SSL_CTX_set_alpn_protos(context.get(), http1_alpn.data(), http1_alpn.size()) != 0) {
        throw_openssl_error("SSL_CTX_set_alpn_protos");
    }
    return context;
}

void prepare_upstream_session(SSL* ssl, std::string_view host) {
    const std::string name(host);
    if (is_ip_literal(name)) {
        // RFC 6066 3: no IP addresses in SNI.
        check_ssl(X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str()),
                  "X509_VERIFY_PARAM_set1_ip_asc");
        return;
    }
    check_ssl(SSL_set_tlsext_host_name(ssl, name.c_str()), "SSL_set_tlsext_host_name");
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    check_ssl(SSL_set1_host(ssl, name.c_str()), "SSL_set1_host");
}

void use_leaf(SSL* ssl, const LeafCertificate& leaf) {
    check_ssl(SSL_use_certificate(ssl, leaf.certificate.get()), "SSL_use_certificate");
    check_ssl(SSL_use_PrivateKey(ssl, leaf.key), "SSL_use_PrivateKey");
}

}  // namespace egress::tls
