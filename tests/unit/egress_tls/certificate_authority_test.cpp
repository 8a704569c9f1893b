#include "tls/certificate_authority.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <ctime>

#include "tls/certificate_builder.hpp"
#include "tls_test_support.hpp"

namespace egress::tls {
namespace {

using test::TemporaryDirectory;

std::string subject_common_name(X509* certificate) {
    std::string name(256, '\0');
    const int length = X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName,
                                                 name.data(), static_cast<int>(name.size()));
    name.resize(length > 0 ? static_cast<size_t>(length) : 0);
    return name;
}

// Days from now until time (negative when past).
int days_until(const ASN1_TIME* time) {
    int days = 0;
    int seconds = 0;
    ASN1_TIME_diff(&days, &seconds, nullptr, time);
    return days;
}

// An authority in state_dir that expires within the hour, as a process stopped long ago left it.
void write_expiring_authority(const std::filesystem::path& state_dir) {
    const EvpPkeyPtr key = generate_p256_key();
    const X509Ptr certificate = CertificateBuilder(key.get())
                                    .common_name("expiring")
                                    .validity(std::chrono::hours(-24), std::chrono::hours(1))
                                    .extension(NID_basic_constraints, "critical,CA:TRUE")
                                    .sign(key.get());
    std::filesystem::create_directories(state_dir);
    test::write_text(state_dir / "ca-key.pem", private_key_to_pem(key.get()));
    test::write_text(state_dir / "ca-cert.pem", certificate_to_pem(certificate.get()));
}

TEST(CertificateAuthority, CreatesKeyAndCertificateReadableOnlyAsIntended) {
    const TemporaryDirectory directory;
    const auto state_dir = directory / "state" / "ca";
    const auto authority = CertificateAuthority::load_or_create(state_dir);
    EXPECT_EQ(test::permissions_of(state_dir), 0700);
    EXPECT_EQ(test::permissions_of(state_dir / "ca-key.pem"), 0600);
    EXPECT_EQ(test::permissions_of(state_dir / "ca-cert.pem"), 0644);
    EXPECT_EQ(test::read_text(state_dir / "ca-cert.pem"), authority->certificate_pem());
    EXPECT_NE(test::read_text(state_dir / "ca-key.pem").find("PRIVATE KEY"), std::string::npos);
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(state_dir), {}), 2)
        << "no temporary files left";
}

TEST(CertificateAuthority, CertificateIsATenYearP256Authority) {
    const auto authority = CertificateAuthority::create_in_memory();
    const X509Ptr certificate = test::certificate_in(authority->certificate_pem());
    ASSERT_TRUE(certificate);
    EXPECT_EQ(subject_common_name(certificate.get()), "OpenSandbox egress credential proxy CA");
    EXPECT_EQ(X509_check_ca(certificate.get()), 1);
    const int basic_constraints = X509_get_ext_by_NID(certificate.get(), NID_basic_constraints, -1);
    ASSERT_GE(basic_constraints, 0);
    EXPECT_EQ(X509_EXTENSION_get_critical(X509_get_ext(certificate.get(), basic_constraints)), 1);
    EXPECT_EQ(X509_get_key_usage(certificate.get()), static_cast<uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
    EXPECT_NE(X509_get0_subject_key_id(certificate.get()), nullptr);
    EXPECT_NEAR(days_until(X509_get0_notAfter(certificate.get())), 3650, 1);
    EXPECT_EQ(EVP_PKEY_get_bits(X509_get0_pubkey(certificate.get())), 256);
    EXPECT_EQ(X509_self_signed(certificate.get(), 1), 1);
}

TEST(CertificateAuthority, SerialNumbersDiffer) {
    const X509Ptr first = test::certificate_in(CertificateAuthority::create_in_memory()->certificate_pem());
    const X509Ptr second = test::certificate_in(CertificateAuthority::create_in_memory()->certificate_pem());
    EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(first.get()), X509_get0_serialNumber(second.get())), 0);
}

TEST(CertificateAuthority, ReloadGivesTheSameCertificate) {
    const TemporaryDirectory directory;
    const std::string created = CertificateAuthority::load_or_create(directory / "ca")->certificate_pem();
    EXPECT_EQ(CertificateAuthority::load_or_create(directory / "ca")->certificate_pem(), created);
}

TEST(CertificateAuthority, ExpiringAuthorityIsReplaced) {
    const TemporaryDirectory directory;
    write_expiring_authority(directory / "ca");
    const std::string expiring = test::read_text(directory / "ca" / "ca-cert.pem");
    const auto authority = CertificateAuthority::load_or_create(directory / "ca");
    EXPECT_NE(authority->certificate_pem(), expiring);
    EXPECT_EQ(test::read_text(directory / "ca" / "ca-cert.pem"), authority->certificate_pem());
}

TEST(CertificateAuthority, CorruptFilesAreReplaced) {
    const TemporaryDirectory directory;
    const std::string original = CertificateAuthority::load_or_create(directory / "ca")->certificate_pem();
    test::write_text(directory / "ca" / "ca-cert.pem", "-----BEGIN CERTIFICATE-----\ngarbage\n");
    const std::string after_corrupt_certificate =
        CertificateAuthority::load_or_create(directory / "ca")->certificate_pem();
    EXPECT_NE(after_corrupt_certificate, original);
    EXPECT_TRUE(test::certificate_in(after_corrupt_certificate));

    test::write_text(directory / "ca" / "ca-key.pem", "not a key");
    EXPECT_NE(CertificateAuthority::load_or_create(directory / "ca")->certificate_pem(),
              after_corrupt_certificate);
}

TEST(CertificateAuthority, KeyOfAnotherAuthorityIsReplaced) {
    const TemporaryDirectory directory;
    const std::string original = CertificateAuthority::load_or_create(directory / "first")->certificate_pem();
    CertificateAuthority::load_or_create(directory / "second");
    std::filesystem::copy_file(directory / "second" / "ca-key.pem", directory / "first" / "ca-key.pem",
                               std::filesystem::copy_options::overwrite_existing);
    EXPECT_NE(CertificateAuthority::load_or_create(directory / "first")->certificate_pem(), original);
}

TEST(CertificateAuthority, ExistingDirectoryIsMadePrivate) {
    const TemporaryDirectory directory;
    std::filesystem::create_directory(directory / "ca");
    std::filesystem::permissions(directory / "ca", std::filesystem::perms(0755));
    CertificateAuthority::load_or_create(directory / "ca");
    EXPECT_EQ(test::permissions_of(directory / "ca"), 0700);
}

void expect_refused_naming(const std::filesystem::path& state_dir) {
    try {
        CertificateAuthority::load_or_create(state_dir);
        ADD_FAILURE() << "accepted " << state_dir;
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find(state_dir.string()), std::string::npos) << error.what();
    }
}

TEST(CertificateAuthority, SymlinkedStateDirectoryIsRefused) {
    const TemporaryDirectory directory;
    std::filesystem::create_directory(directory / "real");
    std::filesystem::create_directory_symlink(directory / "real", directory / "link");
    expect_refused_naming(directory / "link");
    EXPECT_FALSE(std::filesystem::exists(directory / "real" / "ca-key.pem"));
}

TEST(CertificateAuthority, StateDirectoryOwnedByAnotherUserIsRefused) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root to give a directory away";
    }
    const TemporaryDirectory directory;
    std::filesystem::create_directory(directory / "foreign");
    ASSERT_EQ(::chown((directory / "foreign").c_str(), 65534, 65534), 0);
    expect_refused_naming(directory / "foreign");
}

TEST(CertificateAuthority, UnusableStateDirectoryIsAnErrorNamingIt) {
    const TemporaryDirectory directory;
    test::write_text(directory / "file", "x");
    expect_refused_naming(directory / "file");
    expect_refused_naming(directory / "file" / "below");
}

TEST(CertificateAuthority, PublishWritesOnlyTheCertificate) {
    const TemporaryDirectory directory;
    const auto authority = CertificateAuthority::create_in_memory();
    const auto published = directory / "shared" / "certs" / "egress-ca.pem";
    authority->publish_certificate(published);
    const std::string text = test::read_text(published);
    EXPECT_EQ(text, authority->certificate_pem());
    EXPECT_EQ(text.find("PRIVATE KEY"), std::string::npos);
    EXPECT_EQ(test::permissions_of(published), 0644);

    authority->publish_certificate(published);  // replaces the existing file
    EXPECT_EQ(test::read_text(published), authority->certificate_pem());
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(published.parent_path()), {}), 1);
}

}  // namespace
}  // namespace egress::tls
