#include "tls/trust_directory.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "tls/openssl_error.hpp"
#include "tls/openssl_handles.hpp"

namespace egress::tls {

namespace {

bool is_certificate_file(const std::filesystem::directory_entry& entry) {
    const std::string extension = entry.path().extension().string();
    return entry.is_regular_file() && (extension == ".pem" || extension == ".crt");
}

std::vector<std::filesystem::path> certificate_files_in(const std::filesystem::path& directory) {
    std::error_code error;
    std::filesystem::directory_iterator entries(directory, error);
    if (error) {
        throw std::runtime_error("trust directory " + directory.string() + ": " + error.message());
    }
    std::vector<std::filesystem::path> files;
    for (const auto& entry : entries) {
        if (is_certificate_file(entry)) {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

void add_certificate(X509_STORE* store, X509* certificate, const std::filesystem::path& file) {
    if (X509_STORE_add_cert(store, certificate) == 1) {
        return;
    }
    // The same certificate twice (in two files, or also in the system store) is no error.
    if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_CERT_ALREADY_IN_HASH_TABLE) {
        ERR_clear_error();
        return;
    }
    throw_openssl_error("adding a certificate of " + file.string());
}

void add_certificates_of_file(X509_STORE* store, const std::filesystem::path& file) {
    const BioPtr bio(BIO_new_file(file.c_str(), "r"));
    if (!bio) {
        throw_openssl_error("opening " + file.string());
    }
    size_t added = 0;
    while (const X509Ptr certificate{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)}) {
        add_certificate(store, certificate.get(), file);
        ++added;
    }
    ERR_clear_error();  // the end of the file reads as "no start line"
    if (added == 0) {
        throw std::runtime_error(file.string() + ": no PEM certificate in this trusted certificate file");
    }
}

}  // namespace

void add_trust_directory(X509_STORE* store, const std::filesystem::path& directory) {
    for (const auto& file : certificate_files_in(directory)) {
        add_certificates_of_file(store, file);
    }
}

}  // namespace egress::tls
