#include "http_test_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <stdexcept>

namespace execd_test {

std::atomic<std::chrono::milliseconds> read_timeout{std::chrono::seconds(30)};

HttpConnection::HttpConnection(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd_);
        fd_ = -1;
        throw std::runtime_error("connect failed");
    }
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

HttpConnection::~HttpConnection() {
    close();
}

void HttpConnection::close() {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

void HttpConnection::send_request(const std::string& method, const std::string& target,
                                  const std::string& body, const std::vector<std::string>& extra_headers) {
    std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const auto& header : extra_headers) {
        request += header + "\r\n";
    }
    if (!body.empty() || method == "POST") {
        request +=
            "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    }
    request += "\r\n" + body;
    send_raw(request);
}

void HttpConnection::send_raw(std::string_view bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            throw std::runtime_error("send failed");
        }
        sent += static_cast<std::size_t>(n);
    }
}

void HttpConnection::fill() {
    char chunk[65536];
    pollfd ready{fd_, POLLIN, 0};
    if (::poll(&ready, 1, static_cast<int>(read_timeout.load().count())) <= 0) {
        throw std::runtime_error("read timed out");
    }
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) {
        throw std::runtime_error("connection closed");
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
}

std::string HttpConnection::read_line() {
    std::size_t end;
    while ((end = buffer_.find("\r\n")) == std::string::npos) {
        fill();
    }
    std::string line = buffer_.substr(0, end);
    buffer_.erase(0, end + 2);
    return line;
}

std::string HttpConnection::read_exact(std::size_t size) {
    while (buffer_.size() < size) {
        fill();
    }
    std::string bytes = buffer_.substr(0, size);
    buffer_.erase(0, size);
    return bytes;
}

HttpResponse HttpConnection::read_head() {
    HttpResponse response;
    std::string status_line = read_line();
    while (status_line.rfind("HTTP/1.1 100", 0) == 0) {
        read_line();
        status_line = read_line();
    }
    response.status = std::stoi(status_line.substr(9, 3));
    for (std::string line = read_line(); !line.empty(); line = read_line()) {
        const std::size_t colon = line.find(':');
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        response.headers[name] = value;
    }
    raw_.clear();
    return response;
}

std::optional<std::string> HttpConnection::read_chunk() {
    const std::string size_line = read_line();
    raw_ += size_line + "\r\n";
    const std::size_t size = std::stoul(size_line, nullptr, 16);
    std::string data = read_exact(size);
    read_exact(2);
    raw_ += data + "\r\n";
    if (size == 0) {
        return std::nullopt;
    }
    return data;
}

HttpResponse HttpConnection::read_response() {
    HttpResponse response = read_head();
    if (response.headers.count("transfer-encoding") != 0) {
        while (auto chunk = read_chunk()) {
            response.body += *chunk;
        }
        response.raw_body = raw_;
    } else {
        const std::size_t length = std::stoul(response.headers["content-length"]);
        response.body = read_exact(length);
        response.raw_body = response.body;
    }
    return response;
}

bool HttpConnection::closed_by_server(std::chrono::milliseconds timeout) {
    pollfd ready{fd_, POLLIN, 0};
    if (::poll(&ready, 1, static_cast<int>(timeout.count())) <= 0) {
        return false;
    }
    char byte;
    return ::recv(fd_, &byte, 1, MSG_PEEK) == 0;
}

HttpResponse http_request(uint16_t port, const std::string& method, const std::string& target,
                          const std::string& body, const std::vector<std::string>& extra_headers) {
    HttpConnection connection(port);
    connection.send_request(method, target, body, extra_headers);
    return connection.read_response();
}

std::vector<std::string> split_events(const std::string& body) {
    std::vector<std::string> events;
    std::size_t start = 0;
    std::size_t end;
    while ((end = body.find("\n\n", start)) != std::string::npos) {
        events.push_back(body.substr(start, end - start));
        start = end + 2;
    }
    if (start < body.size()) {
        events.push_back(body.substr(start));
    }
    return events;
}

}  // namespace execd_test
