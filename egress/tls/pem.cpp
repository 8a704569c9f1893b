#include "tls/pem.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <climits>

#include "tls/openssl_error.hpp"

namespace egress::tls {

namespace {

BioPtr new_memory_bio() {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio) {
        throw_openssl_error("BIO_new");
    }
    return bio;
}

std::string contents_of(BIO* bio) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<size_t>(size));
}

BioPtr read_only_bio(std::string_view text) {
    if (text.size() > INT_MAX) {
        return nullptr;
    }
    return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// Never prompts on the terminal for the passphrase of an encrypted key: such a key is unreadable.
int no_passphrase(char* /*buffer*/, int /*size*/, int /*writing*/, void* /*user_data*/) {
    return 0;
}

}  // namespace

std::string certificate_to_pem(X509* certificate) {
    const BioPtr bio = new_memory_bio();
    if (PEM_write_bio_X509(bio.get(), certificate) != 1) {
        throw_openssl_error("PEM_write_bio_X509");
    }
    return contents_of(bio.get());
}

std::string private_key_to_pem(EVP_PKEY* key) {
    const BioPtr bio = new_memory_bio();
    if (PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        throw_openssl_error("PEM_write_bio_PrivateKey");
    }
    return contents_of(bio.get());
}

X509Ptr certificate_from_pem(std::string_view text) {
    const BioPtr bio = read_only_bio(text);
    X509Ptr certificate(bio ? PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr) : nullptr);
    ERR_clear_error();
    return certificate;
}

EvpPkeyPtr private_key_from_pem(std::string_view text) {
    const BioPtr bio = read_only_bio(text);
    EvpPkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr) : nullptr);
    ERR_clear_error();
    return key;
}

}  // namespace egress::tls
