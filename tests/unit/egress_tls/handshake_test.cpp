#include <gtest/gtest.h>
#include <openssl/err.h>

#include "tls/certificate_authority.hpp"
#include "tls/upstream_tls.hpp"
#include "tls_test_support.hpp"

namespace egress::tls {
namespace {

using test::TemporaryDirectory;

struct HandshakeOutcome {
    bool succeeded = false;
    long verify_result = X509_V_OK;
    std::string alpn;  // what the client ended up with
};

bool wants_more(SSL* ssl, int result) {
    const int error = SSL_get_error(ssl, result);
    return error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE;
}

// Runs both sides of a handshake over an in-memory BIO pair until both finish or one fails.
HandshakeOutcome run_handshake(SSL* client, SSL* server) {
    BIO* client_end = nullptr;
    BIO* server_end = nullptr;
    BIO_new_bio_pair(&client_end, 0, &server_end, 0);
    SSL_set_bio(client, client_end, client_end);
    SSL_set_bio(server, server_end, server_end);
    SSL_set_connect_state(client);
    SSL_set_accept_state(server);
    bool client_done = false;
    bool server_done = false;
    for (int round = 0; round < 100 && !(client_done && server_done); ++round) {
        const int client_result = SSL_do_handshake(client);
        client_done = client_result == 1;
        if (!client_done && !wants_more(client, client_result)) {
            break;
        }
        const int server_result = SSL_do_handshake(server);
        server_done = server_result == 1;
        if (!server_done && !wants_more(server, server_result)) {
            break;
        }
    }
    ERR_clear_error();
    HandshakeOutcome outcome;
    outcome.succeeded = client_done && server_done;
    outcome.verify_result = SSL_get_verify_result(client);
    const unsigned char* alpn = nullptr;
    unsigned int alpn_length = 0;
    SSL_get0_alpn_selected(client, &alpn, &alpn_length);
    outcome.alpn.assign(reinterpret_cast<const char*>(alpn), alpn_length);
    return outcome;
}

class Handshake : public ::testing::Test {
  protected:
    // The proxy's two sides: a leaf for leaf_host downstream, an upstream client expecting
    // expected_host.
    HandshakeOutcome connect(SSL_CTX* upstream, const std::string& leaf_host,
                             const std::string& expected_host) {
        const SslPtr client(SSL_new(upstream));
        const SslPtr server(SSL_new(downstream_.get()));
        prepare_upstream_session(client.get(), expected_host);
        use_leaf(server.get(), *authority_->leaf_for(leaf_host));
        return run_handshake(client.get(), server.get());
    }

    std::shared_ptr<SSL_CTX> upstream_trusting_authority() {
        authority_->publish_certificate(trust_dir_ / "authority.pem");
        return make_upstream_context({.extra_trust_dir = trust_dir_.path().string(), .insecure = false});
    }

    TemporaryDirectory trust_dir_;
    std::unique_ptr<CertificateAuthority> authority_ = CertificateAuthority::create_in_memory();
    std::shared_ptr<SSL_CTX> downstream_ = make_downstream_context();
};

TEST_F(Handshake, UpstreamTrustingTheAuthorityAcceptsItsLeaf) {
    const HandshakeOutcome outcome =
        connect(upstream_trusting_authority().get(), "api.example.test", "api.example.test");
    EXPECT_TRUE(outcome.succeeded);
    EXPECT_EQ(outcome.verify_result, X509_V_OK);
    EXPECT_EQ(outcome.alpn, "http/1.1");
}

TEST_F(Handshake, IpLiteralHostIsVerifiedAgainstTheIpAlternativeName) {
    const auto upstream = upstream_trusting_authority();
    EXPECT_TRUE(connect(upstream.get(), "192.0.2.7", "192.0.2.7").succeeded);
    const HandshakeOutcome mismatch = connect(upstream.get(), "192.0.2.7", "192.0.2.8");
    EXPECT_FALSE(mismatch.succeeded);
    EXPECT_EQ(mismatch.verify_result, X509_V_ERR_IP_ADDRESS_MISMATCH);
}

TEST_F(Handshake, WrongHostNameFails) {
    const HandshakeOutcome outcome =
        connect(upstream_trusting_authority().get(), "api.example.test", "evil.example.test");
    EXPECT_FALSE(outcome.succeeded);
    EXPECT_EQ(outcome.verify_result, X509_V_ERR_HOSTNAME_MISMATCH);
}

TEST_F(Handshake, UntrustedAuthorityFailsUnlessInsecure) {
    const auto verifying = make_upstream_context({});
    const HandshakeOutcome refused = connect(verifying.get(), "api.example.test", "api.example.test");
    EXPECT_FALSE(refused.succeeded);
    EXPECT_EQ(refused.verify_result, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);

    const auto insecure = make_upstream_context({.extra_trust_dir = "", .insecure = true});
    EXPECT_TRUE(connect(insecure.get(), "api.example.test", "api.example.test").succeeded);
}

TEST_F(Handshake, TlsBelowOnePointTwoIsRefused) {
    const auto upstream = upstream_trusting_authority();
    const SslPtr client(SSL_new(upstream.get()));
    const SslPtr server(SSL_new(downstream_.get()));
    SSL_set_min_proto_version(client.get(), TLS1_VERSION);
    SSL_set_max_proto_version(client.get(), TLS1_1_VERSION);
    SSL_set_security_level(client.get(), 0);
    use_leaf(server.get(), *authority_->leaf_for("api.example.test"));
    EXPECT_FALSE(run_handshake(client.get(), server.get()).succeeded);
}

TEST_F(Handshake, DownstreamSelectsNoProtocolTheClientDidNotOffer) {
    const auto upstream = upstream_trusting_authority();
    const SslPtr client(SSL_new(upstream.get()));
    const SslPtr server(SSL_new(downstream_.get()));
    constexpr unsigned char h2_only[] = {2, 'h', '2'};
    SSL_set_alpn_protos(client.get(), h2_only, sizeof(h2_only));
    prepare_upstream_session(client.get(), "api.example.test");
    use_leaf(server.get(), *authority_->leaf_for("api.example.test"));
    const HandshakeOutcome outcome = run_handshake(client.get(), server.get());
    EXPECT_TRUE(outcome.succeeded);
    EXPECT_EQ(outcome.alpn, "");
}

TEST_F(Handshake, MissingTrustDirectoryIsAnErrorNamingIt) {
    const std::string missing = (trust_dir_ / "absent").string();
    try {
        make_upstream_context({.extra_trust_dir = missing, .insecure = false});
        ADD_FAILURE() << "accepted a missing trust directory";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find(missing), std::string::npos) << error.what();
    }
}

TEST_F(Handshake, TrustFileWithoutCertificateIsAnError) {
    test::write_text(trust_dir_ / "broken.crt", "not a certificate\n");
    EXPECT_THROW(make_upstream_context({.extra_trust_dir = trust_dir_.path().string(), .insecure = false}),
                 std::runtime_error);
}

TEST_F(Handshake, OtherFilesInTheTrustDirectoryAreIgnored) {
    test::write_text(trust_dir_ / "README", "not a certificate\n");
    authority_->publish_certificate(trust_dir_ / "same.crt");
    const auto upstream = upstream_trusting_authority();  // the authority twice: no error
    EXPECT_TRUE(connect(upstream.get(), "api.example.test", "api.example.test").succeeded);
}

}  // namespace
}  // namespace egress::tls
