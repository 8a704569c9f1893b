#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "tls/certificate_authority.hpp"
#include "tls_test_support.hpp"

namespace egress::tls {
namespace {

class LeafCertificates : public ::testing::Test {
  protected:
    std::unique_ptr<CertificateAuthority> authority_ = CertificateAuthority::create_in_memory();
    X509Ptr authority_certificate_ = test::certificate_in(authority_->certificate_pem());
};

// The subjectAltName entries of certificate, each as "DNS:<name>" or "IP:<bytes as hex>".
std::vector<std::string> alt_names(X509* certificate) {
    const GeneralNamesPtr names(
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr)));
    std::vector<std::string> entries;
    for (int index = 0; names && index < sk_GENERAL_NAME_num(names.get()); ++index) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), index);
        const auto* data = ASN1_STRING_get0_data(name->d.ia5);
        const int length = ASN1_STRING_length(name->d.ia5);
        if (name->type == GEN_DNS) {
            entries.push_back("DNS:" + std::string(reinterpret_cast<const char*>(data), length));
        } else if (name->type == GEN_IPADD) {
            std::string hex = "IP:";
            for (int byte = 0; byte < length; ++byte) {
                hex += "0123456789abcdef"[data[byte] >> 4];
                hex += "0123456789abcdef"[data[byte] & 15];
            }
            entries.push_back(hex);
        }
    }
    return entries;
}

TEST_F(LeafCertificates, LeafVerifiesAgainstTheAuthorityForItsHostOnly) {
    const auto leaf = authority_->leaf_for("api.example.test");
    EXPECT_EQ(test::verify_leaf(authority_certificate_.get(), leaf->certificate.get(), "api.example.test"),
              X509_V_OK);
    EXPECT_EQ(test::verify_leaf(authority_certificate_.get(), leaf->certificate.get(), "other.example.test"),
              X509_V_ERR_HOSTNAME_MISMATCH);
    EXPECT_EQ(alt_names(leaf->certificate.get()), std::vector<std::string>{"DNS:api.example.test"});
}

TEST_F(LeafCertificates, LeafOfAnotherAuthorityDoesNotVerify) {
    const auto other = CertificateAuthority::create_in_memory();
    const auto leaf = other->leaf_for("api.example.test");
    EXPECT_EQ(test::verify_leaf(authority_certificate_.get(), leaf->certificate.get(), "api.example.test"),
              X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
}

TEST_F(LeafCertificates, IpLiteralsGetAnIpAlternativeName) {
    const auto v4 = authority_->leaf_for("192.0.2.7");
    EXPECT_EQ(alt_names(v4->certificate.get()), std::vector<std::string>{"IP:c0000207"});
    EXPECT_EQ(test::verify_leaf(authority_certificate_.get(), v4->certificate.get(), "192.0.2.7", true),
              X509_V_OK);
    EXPECT_EQ(test::verify_leaf(authority_certificate_.get(), v4->certificate.get(), "192.0.2.8", true),
              X509_V_ERR_IP_ADDRESS_MISMATCH);

    const auto v6 = authority_->leaf_for("2001:db8::1");
    EXPECT_EQ(alt_names(v6->certificate.get()),
              std::vector<std::string>{"IP:20010db8000000000000000000000001"});
    EXPECT_EQ(test::verify_leaf(authority_certificate_.get(), v6->certificate.get(), "2001:db8::1", true),
              X509_V_OK);
}

TEST_F(LeafCertificates, LeafIsAServerCertificateWithinTheAuthoritysValidity) {
    const auto leaf = authority_->leaf_for("api.example.test");
    X509* certificate = leaf->certificate.get();
    EXPECT_EQ(X509_check_ca(certificate), 0);
    EXPECT_TRUE(X509_get_extended_key_usage(certificate) & XKU_SSL_SERVER);
    EXPECT_EQ(X509_check_private_key(certificate, leaf->key), 1);
    EXPECT_NE(X509_get0_authority_key_id(certificate), nullptr);
    EXPECT_EQ(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(certificate),
                                    X509_get0_subject_key_id(authority_certificate_.get())),
              0);
    int days = 0;
    int seconds = 0;
    ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(certificate), X509_get0_notAfter(certificate));
    EXPECT_EQ(days, 365);
    ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(certificate), nullptr);
    EXPECT_EQ(days, 0);
    EXPECT_NEAR(seconds, 3600, 60);
}

TEST_F(LeafCertificates, LeavesShareOneKeyButNotSerialNumbers) {
    const auto first = authority_->leaf_for("a.example.test");
    const auto second = authority_->leaf_for("b.example.test");
    EXPECT_EQ(first->key, second->key);
    EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(first->certificate.get()),
                               X509_get0_serialNumber(second->certificate.get())),
              0);
}

TEST_F(LeafCertificates, CacheReturnsTheSameLeafForEverySpellingOfAHost) {
    const auto leaf = authority_->leaf_for("api.example.test");
    EXPECT_EQ(authority_->leaf_for("api.example.test"), leaf);
    EXPECT_EQ(authority_->leaf_for("API.Example.Test."), leaf);
    EXPECT_EQ(authority_->leaf_for("2001:DB8:0::1"), authority_->leaf_for("2001:db8::1"));
}

TEST_F(LeafCertificates, LeastRecentlyUsedLeafIsEvictedBeyondCapacity) {
    const auto first = authority_->leaf_for("first.test");
    const auto host1 = authority_->leaf_for("host1.test");
    for (size_t index = 2; index < CertificateAuthority::cache_size; ++index) {
        authority_->leaf_for("host" + std::to_string(index) + ".test");
    }
    EXPECT_EQ(authority_->leaf_for("first.test"), first) << "the cache holds cache_size leaves";
    authority_->leaf_for("overflow.test");  // evicts host1.test, now the least recently used
    EXPECT_EQ(authority_->leaf_for("first.test"), first);
    EXPECT_NE(authority_->leaf_for("host1.test"), host1) << "evicted, so minted anew";
}

TEST_F(LeafCertificates, HostsThatAreNeitherNamesNorAddressesAreRejected) {
    for (const char* host : {"", "bad name.test", "a,DNS:evil.test", "1.2.3.4.5", "[::1]"}) {
        EXPECT_THROW(authority_->leaf_for(host), std::invalid_argument) << host;
    }
}

TEST_F(LeafCertificates, LongNamesHaveNoCommonNameButVerify) {
    const std::string host = std::string(63, 'a') + "." + std::string(20, 'b') + ".test";
    const auto leaf = authority_->leaf_for(host);
    EXPECT_EQ(test::verify_leaf(authority_certificate_.get(), leaf->certificate.get(), host), X509_V_OK);
}

TEST_F(LeafCertificates, ConcurrentRequestsGetOneLeafPerHost) {
    std::vector<std::shared_ptr<const LeafCertificate>> leaves(8);
    std::vector<std::thread> threads;
    for (auto& leaf : leaves) {
        threads.emplace_back([&] { leaf = authority_->leaf_for("shared.test"); });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    const auto cached = authority_->leaf_for("shared.test");
    for (const auto& leaf : leaves) {
        EXPECT_EQ(leaf, cached);
    }
}

}  // namespace
}  // namespace egress::tls
