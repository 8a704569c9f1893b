#pragma once

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tls/openssl_handles.hpp"
#include "tls/pem.hpp"

// Files and certificate checks shared by the certificate authority and handshake tests.
namespace egress::tls::test {

class TemporaryDirectory {
  public:
    TemporaryDirectory() {
        std::string pattern = (std::filesystem::temp_directory_path() / "egress-tls-XXXXXX").string();
        path_ = ::mkdtemp(pattern.data());
    }
    ~TemporaryDirectory() { std::filesystem::remove_all(path_); }
    TemporaryDirectory(const TemporaryDirectory&) = delete;
    TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

  private:
    std::filesystem::path path_;
};

inline std::string read_text(const std::filesystem::path& path) {
    std::ifstream file(path, std::ios::binary);
    std::ostringstream contents;
    contents << file.rdbuf();
    return contents.str();
}

inline void write_text(const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

inline mode_t permissions_of(const std::filesystem::path& path) {
    struct stat status {};
    ::lstat(path.c_str(), &status);
    return status.st_mode & 07777;
}

inline X509Ptr certificate_in(const std::string& pem) {
    return certificate_from_pem(pem);
}

// X509_verify_cert of leaf against authority as the only trust anchor, for a TLS server named
// host (an IP literal when ip is set). Returns the X509_V_* result.
inline int verify_leaf(X509* authority, X509* leaf, const std::string& host, bool ip = false) {
    const X509StorePtr store(X509_STORE_new());
    X509_STORE_add_cert(store.get(), authority);
    const X509StoreCtxPtr context(X509_STORE_CTX_new());
    X509_STORE_CTX_init(context.get(), store.get(), leaf, nullptr);
    X509_VERIFY_PARAM* parameters = X509_STORE_CTX_get0_param(context.get());
    X509_VERIFY_PARAM_set_purpose(parameters, X509_PURPOSE_SSL_SERVER);
    if (ip) {
        X509_VERIFY_PARAM_set1_ip_asc(parameters, host.c_str());
    } else {
        X509_VERIFY_PARAM_set1_host(parameters, host.c_str(), host.size());
    }
    X509_verify_cert(context.get());
    return X509_STORE_CTX_get_error(context.get());
}

}  // namespace egress::tls::test
