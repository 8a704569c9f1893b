#include "tls/certificate_builder.hpp"

#include <openssl/ec.h>
#include <openssl/rand.h>

#include <string>

#include "tls/host_name.hpp"
#include "tls/openssl_error.hpp"

namespace egress::tls {

namespace {

constexpr int serial_bits = 159;  // RFC 5280 4.1.2.2: at most 20 octets, positive

void check_openssl(int result, std::string_view what) {
    if (result != 1) {
        throw_openssl_error(what);
    }
}

void set_random_serial(X509* certificate) {
    const BigNumPtr serial(BN_new());
    if (!serial) {
        throw_openssl_error("BN_new");
    }
    check_openssl(BN_rand(serial.get(), serial_bits, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY), "BN_rand");
    if (BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(certificate)) == nullptr) {
        throw_openssl_error("BN_to_ASN1_INTEGER");
    }
}

GeneralNamePtr ip_address_name(std::string_view address) {
    AsnOctetStringPtr bytes(a2i_IPADDRESS(std::string(address).c_str()));
    if (!bytes) {
        throw_openssl_error("a2i_IPADDRESS");
    }
    GeneralNamePtr name(GENERAL_NAME_new());
    if (!name) {
        throw_openssl_error("GENERAL_NAME_new");
    }
    GENERAL_NAME_set0_value(name.get(), GEN_IPADD, bytes.release());
    return name;
}

GeneralNamePtr dns_name(std::string_view host) {
    ASN1_IA5STRING* text = ASN1_IA5STRING_new();
    if (text == nullptr || ASN1_STRING_set(text, host.data(), static_cast<int>(host.size())) != 1) {
        ASN1_IA5STRING_free(text);
        throw_openssl_error("ASN1_STRING_set");
    }
    GeneralNamePtr name(GENERAL_NAME_new());
    if (!name) {
        ASN1_IA5STRING_free(text);
        throw_openssl_error("GENERAL_NAME_new");
    }
    GENERAL_NAME_set0_value(name.get(), GEN_DNS, text);
    return name;
}

}  // namespace

EvpPkeyPtr generate_p256_key() {
    EvpPkeyPtr key(EVP_EC_gen("P-256"));
    if (!key) {
        throw_openssl_error("generating an EC P-256 key");
    }
    return key;
}

CertificateBuilder::CertificateBuilder(EVP_PKEY* subject_key) : certificate_(X509_new()) {
    if (!certificate_) {
        throw_openssl_error("X509_new");
    }
    check_openssl(X509_set_version(certificate_.get(), X509_VERSION_3), "X509_set_version");
    check_openssl(X509_set_pubkey(certificate_.get(), subject_key), "X509_set_pubkey");
    set_random_serial(certificate_.get());
}

CertificateBuilder& CertificateBuilder::common_name(std::string_view name) {
    X509_NAME* subject = X509_get_subject_name(certificate_.get());
    check_openssl(X509_NAME_add_entry_by_NID(subject, NID_commonName, MBSTRING_UTF8,
                                             reinterpret_cast<const unsigned char*>(name.data()),
                                             static_cast<int>(name.size()), -1, 0),
                  "X509_NAME_add_entry_by_NID(CN)");
    return *this;
}

CertificateBuilder& CertificateBuilder::validity(std::chrono::seconds not_before_offset,
                                                 std::chrono::seconds lifetime,
                                                 const ASN1_TIME* not_after_limit) {
    if (X509_gmtime_adj(X509_getm_notBefore(certificate_.get()), not_before_offset.count()) == nullptr ||
        X509_gmtime_adj(X509_getm_notAfter(certificate_.get()), lifetime.count()) == nullptr) {
        throw_openssl_error("X509_gmtime_adj");
    }
    if (not_after_limit != nullptr &&
        ASN1_TIME_compare(X509_get0_notAfter(certificate_.get()), not_after_limit) > 0) {
        check_openssl(X509_set1_notAfter(certificate_.get(), not_after_limit), "X509_set1_notAfter");
    }
    return *this;
}

CertificateBuilder& CertificateBuilder::extension(int nid, const char* value, X509* issuer) {
    X509V3_CTX context;
    X509V3_set_ctx(&context, issuer != nullptr ? issuer : certificate_.get(), certificate_.get(), nullptr,
                   nullptr, 0);
    const X509ExtensionPtr extension(X509V3_EXT_nconf_nid(nullptr, &context, nid, value));
    if (!extension) {
        throw_openssl_error(std::string("building extension ") + OBJ_nid2sn(nid) + "=" + value);
    }
    check_openssl(X509_add_ext(certificate_.get(), extension.get(), -1), "X509_add_ext");
    return *this;
}

CertificateBuilder& CertificateBuilder::subject_alt_name(std::string_view host) {
    const GeneralNamesPtr names(GENERAL_NAMES_new());
    GeneralNamePtr name = is_ip_literal(host) ? ip_address_name(host) : dns_name(host);
    if (!names || sk_GENERAL_NAME_push(names.get(), name.get()) == 0) {
        throw_openssl_error("sk_GENERAL_NAME_push");
    }
    name.release();  // owned by names now
    check_openssl(
        X509_add1_ext_i2d(certificate_.get(), NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT),
        "X509_add1_ext_i2d(subjectAltName)");
    return *this;
}

X509Ptr CertificateBuilder::sign(EVP_PKEY* issuer_key, X509* issuer) {
    X509* const issuer_certificate = issuer != nullptr ? issuer : certificate_.get();
    check_openssl(X509_set_issuer_name(certificate_.get(), X509_get_subject_name(issuer_certificate)),
                  "X509_set_issuer_name");
    if (X509_sign(certificate_.get(), issuer_key, EVP_sha256()) <= 0) {
        throw_openssl_error("X509_sign");
    }
    return std::move(certificate_);
}

}  // namespace egress::tls
