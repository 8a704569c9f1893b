#include "files_test_support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace execd_test {

std::string multipart_body(const std::vector<FormPart>& parts) {
    std::string body;
    for (const auto& part : parts) {
        body +=
            std::string("--") + kBoundary + "\r\nContent-Disposition: form-data; name=\"" + part.name + "\"";
        if (!part.filename.empty()) {
            body += "; filename=\"" + part.filename + "\"";
        }
        body += "\r\n\r\n" + part.content + "\r\n";
    }
    return body + "--" + kBoundary + "--\r\n";
}

FormPart metadata_part(const std::string& path, int mode) {
    nlohmann::json metadata{{"path", path}};
    if (mode != 0) {
        metadata["mode"] = mode;
    }
    return {"metadata", "metadata", metadata.dump()};
}

FormPart file_part(const std::string& content, const std::string& filename) {
    return {"file", filename, content};
}

HttpResponse upload(uint16_t port, const std::vector<FormPart>& parts) {
    return http_request(port, "POST", "/files/upload", multipart_body(parts),
                        {std::string("Content-Type: multipart/form-data; boundary=") + kBoundary});
}

RawClient::RawClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        throw std::runtime_error("connect failed");
    }
}

RawClient::~RawClient() {
    close();
}

void RawClient::close() {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

void RawClient::send_all(std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (sent <= 0) {
            throw std::runtime_error("send failed");
        }
        bytes.remove_prefix(static_cast<std::size_t>(sent));
    }
}

namespace {

void fill(int fd, std::string& buffer) {
    char chunk[1 << 16];
    pollfd ready{fd, POLLIN, 0};
    if (::poll(&ready, 1, 60000) <= 0) {
        throw std::runtime_error("read timed out");
    }
    const ssize_t got = ::recv(fd, chunk, sizeof chunk, 0);
    if (got <= 0) {
        throw std::runtime_error("connection closed");
    }
    buffer.append(chunk, static_cast<std::size_t>(got));
}

}  // namespace

HttpResponse RawClient::read_head() {
    std::size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
        fill(fd_, buffer_);
    }
    const std::string head = buffer_.substr(0, end + 2);
    buffer_.erase(0, end + 4);
    HttpResponse response;
    response.status = std::stoi(head.substr(9, 3));
    std::size_t line_start = head.find("\r\n") + 2;
    while (line_start < head.size()) {
        const std::size_t line_end = head.find("\r\n", line_start);
        const std::string line = head.substr(line_start, line_end - line_start);
        const std::size_t colon = line.find(':');
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        response.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
        line_start = line_end + 2;
    }
    return response;
}

void RawClient::read_body(uint64_t length, const std::function<void(std::string_view)>& on_piece) {
    while (length > 0) {
        if (buffer_.empty()) {
            fill(fd_, buffer_);
        }
        const std::size_t take = static_cast<std::size_t>(std::min<uint64_t>(length, buffer_.size()));
        on_piece(std::string_view(buffer_).substr(0, take));
        buffer_.erase(0, take);
        length -= take;
    }
}

ScratchDir::ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "execd-files-test-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
}

ScratchDir::~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::vector<std::string> ScratchDir::names() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(path_)) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::string percent_encoded(std::string_view text) {
    std::string out;
    for (const unsigned char c : text) {
        if (std::isalnum(c) != 0 || c == '/' || c == '.' || c == '-' || c == '_') {
            out.push_back(static_cast<char>(c));
        } else {
            char escaped[4];
            std::snprintf(escaped, sizeof escaped, "%%%02X", c);
            out += escaped;
        }
    }
    return out;
}

std::string read_whole_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_whole_file(const std::string& path, const std::string& content) {
    std::ofstream(path, std::ios::binary) << content;
}

}  // namespace execd_test
