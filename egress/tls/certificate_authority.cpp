#include "tls/certificate_authority.hpp"

#include <chrono>
#include <ctime>
#include <optional>
#include <stdexcept>
#include <utility>

#include "common/ip_address.hpp"
#include "tls/certificate_builder.hpp"
#include "tls/host_name.hpp"
#include "tls/openssl_error.hpp"
#include "tls/pem.hpp"
#include "tls/private_files.hpp"

namespace egress::tls {

namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::seconds;

constexpr const char* authority_name = "OpenSandbox egress credential proxy CA";
constexpr const char* key_file_name = "ca-key.pem";
constexpr const char* certificate_file_name = "ca-cert.pem";
constexpr days authority_lifetime{3650};
// A restart within the last day would otherwise keep an authority that expires under the proxy.
constexpr days minimum_remaining_validity{1};
constexpr days leaf_lifetime{365};
// Tolerates clients whose clocks run somewhat behind.
constexpr hours clock_skew_allowance{1};
// RFC 5280 ub-common-name; longer names are in the subjectAltName only.
constexpr size_t max_common_name_length = 64;

X509Ptr new_authority_certificate(EVP_PKEY* key) {
    return CertificateBuilder(key)
        .common_name(authority_name)
        .validity(-clock_skew_allowance, authority_lifetime)
        .extension(NID_basic_constraints, "critical,CA:TRUE")
        .extension(NID_key_usage, "critical,keyCertSign,cRLSign")
        .extension(NID_subject_key_identifier, "hash")
        .sign(key);
}

bool is_valid_for_at_least(X509* certificate, seconds remaining) {
    time_t deadline = std::time(nullptr) + remaining.count();
    time_t now = std::time(nullptr);
    return X509_cmp_time(X509_get0_notAfter(certificate), &deadline) > 0 &&
           X509_cmp_time(X509_get0_notBefore(certificate), &now) < 0;
}

bool is_usable_authority(X509* certificate, EVP_PKEY* key) {
    return X509_check_private_key(certificate, key) == 1 && X509_check_ca(certificate) == 1 &&
           is_valid_for_at_least(certificate, minimum_remaining_validity);
}

struct AuthorityMaterial {
    X509Ptr certificate;
    EvpPkeyPtr key;
};

AuthorityMaterial new_authority_material() {
    EvpPkeyPtr key = generate_p256_key();
    X509Ptr certificate = new_authority_certificate(key.get());
    return {std::move(certificate), std::move(key)};
}

// nullopt when the files are missing, unreadable as PEM, mismatched, or about to expire.
std::optional<AuthorityMaterial> load_authority_material(const std::filesystem::path& state_dir) {
    const auto key_text = read_file_if_present(state_dir / key_file_name);
    const auto certificate_text = read_file_if_present(state_dir / certificate_file_name);
    if (!key_text || !certificate_text) {
        return std::nullopt;
    }
    AuthorityMaterial material{certificate_from_pem(*certificate_text), private_key_from_pem(*key_text)};
    if (!material.certificate || !material.key ||
        !is_usable_authority(material.certificate.get(), material.key.get())) {
        return std::nullopt;
    }
    return material;
}

void save_authority_material(const std::filesystem::path& state_dir, const AuthorityMaterial& material) {
    // The key first: a certificate on disk always has its key beside it.
    write_file_atomically(state_dir / key_file_name, private_key_to_pem(material.key.get()), 0600);
    write_file_atomically(state_dir / certificate_file_name, certificate_to_pem(material.certificate.get()),
                          0644);
}

// The one spelling of host that keys the cache and goes into the certificate.
std::string canonical_host(std::string_view host) {
    if (const auto address = common::IpAddress::parse(host)) {
        return address->to_string();
    }
    if (auto name = normalize_dns_name(host)) {
        return std::move(*name);
    }
    throw std::invalid_argument("no certificate for \"" + std::string(host) +
                                "\": neither a DNS name nor an IP address");
}

}  // namespace

std::unique_ptr<CertificateAuthority> CertificateAuthority::load_or_create(
    const std::filesystem::path& state_dir) {
    prepare_private_directory(state_dir);
    std::optional<AuthorityMaterial> material = load_authority_material(state_dir);
    if (!material) {
        material = new_authority_material();
        save_authority_material(state_dir, *material);
    }
    return std::unique_ptr<CertificateAuthority>(
        new CertificateAuthority(std::move(material->certificate), std::move(material->key)));
}

std::unique_ptr<CertificateAuthority> CertificateAuthority::create_in_memory() {
    AuthorityMaterial material = new_authority_material();
    return std::unique_ptr<CertificateAuthority>(
        new CertificateAuthority(std::move(material.certificate), std::move(material.key)));
}

CertificateAuthority::CertificateAuthority(X509Ptr certificate, EvpPkeyPtr key)
    : certificate_(std::move(certificate)), key_(std::move(key)), leaf_key_(generate_p256_key()) {}

std::string CertificateAuthority::certificate_pem() const {
    return certificate_to_pem(certificate_.get());
}

void CertificateAuthority::publish_certificate(const std::filesystem::path& path) const {
    const std::filesystem::path directory = path.parent_path();
    std::error_code error;
    if (!directory.empty()) {
        std::filesystem::create_directories(directory, error);
    }
    if (error) {
        throw std::runtime_error(directory.string() + ": cannot create directory: " + error.message());
    }
    write_file_atomically(path, certificate_pem(), 0644);
}

std::shared_ptr<const LeafCertificate> CertificateAuthority::leaf_for(std::string_view host) {
    const std::string key = canonical_host(host);
    {
        const std::lock_guard lock(mutex_);
        if (const auto found = cache_.find(key); found != cache_.end()) {
            recency_.splice(recency_.begin(), recency_, found->second.second);
            return found->second.first;
        }
    }
    // Minted outside the lock: signing must not hold up the lookups of other connections.
    std::shared_ptr<const LeafCertificate> leaf = mint(key);
    const std::lock_guard lock(mutex_);
    if (const auto found = cache_.find(key); found != cache_.end()) {
        return found->second.first;  // another connection minted it meanwhile
    }
    recency_.push_front(key);
    cache_.emplace(key, std::make_pair(leaf, recency_.begin()));
    if (cache_.size() > cache_size) {
        cache_.erase(recency_.back());
        recency_.pop_back();
    }
    return leaf;
}

std::shared_ptr<const LeafCertificate> CertificateAuthority::mint(std::string_view host) const {
    CertificateBuilder builder(leaf_key_.get());
    if (host.size() <= max_common_name_length) {
        builder.common_name(host);
    }
    X509Ptr certificate =
        builder.validity(-clock_skew_allowance, leaf_lifetime, X509_get0_notAfter(certificate_.get()))
            .subject_alt_name(host)
            .extension(NID_basic_constraints, "critical,CA:FALSE")
            .extension(NID_key_usage, "critical,digitalSignature")
            .extension(NID_ext_key_usage, "serverAuth")
            .extension(NID_authority_key_identifier, "keyid:always", certificate_.get())
            .sign(key_.get(), certificate_.get());
    return std::make_shared<const LeafCertificate>(LeafCertificate{std::move(certificate), leaf_key_.get()});
}

}  // namespace egress::tls
