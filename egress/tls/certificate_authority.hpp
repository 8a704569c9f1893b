#pragma once

#include <filesystem>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "tls/openssl_handles.hpp"

// The per-sandbox certificate authority the interception proxy presents leaf certificates from.
namespace egress::tls {

// A certificate for one host name, signed by the authority; shares the authority's leaf key.
struct LeafCertificate {
    X509Ptr certificate;
    EVP_PKEY* key = nullptr;  // owned by the authority
};

class CertificateAuthority {
  public:
    // The authority kept in state_dir (ca-key.pem 0600 + ca-cert.pem, the directory 0700, both
    // owned by this process's user) when present and valid for at least another day; otherwise a
    // new one (EC P-256, 10 years) saved there. The key is never written anywhere else. Throws
    // std::runtime_error naming the path when state_dir cannot be used.
    static std::unique_ptr<CertificateAuthority> load_or_create(const std::filesystem::path& state_dir);
    // Kept in memory only (tests).
    static std::unique_ptr<CertificateAuthority> create_in_memory();

    std::string certificate_pem() const;
    // Writes the certificate (never the key) to path atomically (temporary file + rename), mode
    // 0644, creating missing parent directories.
    void publish_certificate(const std::filesystem::path& path) const;

    // A leaf for host (a DNS name; an IP literal gets an IP SAN), minted on first use and cached
    // (least recently used dropped beyond cache_size). Every spelling of a host (case, trailing
    // dot, IPv6 text form) gets the same leaf. Throws std::invalid_argument for a host that is
    // neither. Thread-safe.
    std::shared_ptr<const LeafCertificate> leaf_for(std::string_view host);

    static constexpr size_t cache_size = 1024;

  private:
    CertificateAuthority(X509Ptr certificate, EvpPkeyPtr key);
    std::shared_ptr<const LeafCertificate> mint(std::string_view host) const;

    X509Ptr certificate_;
    EvpPkeyPtr key_;
    EvpPkeyPtr leaf_key_;
    std::mutex mutex_;
    std::list<std::string> recency_;  // most recent first
    std::unordered_map<std::string,
                       std::pair<std::shared_ptr<const LeafCertificate>, std::list<std::string>::iterator>>
        cache_;
};

}  // namespace egress::tls
