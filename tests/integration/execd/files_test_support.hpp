#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "execd_test_support.hpp"

namespace execd_test {

inline constexpr const char* kBoundary = "execdTestBoundary7Qz";

// One multipart part: name, optional filename (a "file part" when set), content.
struct FormPart {
    std::string name;
    std::string filename;  // empty: a plain field
    std::string content;
};

// A multipart/form-data body of `parts`, delimited by kBoundary.
std::string multipart_body(const std::vector<FormPart>& parts);

// The metadata part upstream's SDKs send: a file part named "metadata" holding JSON.
FormPart metadata_part(const std::string& path, int mode = 0);
FormPart file_part(const std::string& content, const std::string& filename = "blob");

// POST /files/upload with `parts` on a fresh connection.
HttpResponse upload(uint16_t port, const std::vector<FormPart>& parts);

// A plain socket for what HttpConnection does not do: bodies sent and received in pieces.
class RawClient {
  public:
    explicit RawClient(uint16_t port);
    ~RawClient();
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;

    void send_all(std::string_view bytes);
    // Reads a response head; the body that follows is left for read_body().
    HttpResponse read_head();
    // Reads `length` body bytes, handing each piece to `on_piece`.
    void read_body(uint64_t length, const std::function<void(std::string_view)>& on_piece);
    void close();

  private:
    int fd_ = -1;
    std::string buffer_;
};

// A fresh directory under the temporary directory, removed when destroyed.
class ScratchDir {
  public:
    ScratchDir();
    ~ScratchDir();
    const std::string& path() const { return path_; }
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }
    // Names in the directory (not recursive), sorted.
    std::vector<std::string> names() const;

  private:
    std::string path_;
};

// `text` with every byte but letters, digits and `/._-` percent-encoded, for a query parameter.
std::string percent_encoded(std::string_view text);

std::string read_whole_file(const std::string& path);
void write_whole_file(const std::string& path, const std::string& content);

}  // namespace execd_test
