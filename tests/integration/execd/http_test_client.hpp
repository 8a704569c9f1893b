#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace execd_test {

// A response as read off the wire.
struct HttpResponse {
    int status = 0;
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;                            // de-chunked
    std::string raw_body;                        // exactly as sent (chunk framing included)
};

// How long a read waits for the next bytes before it throws (30 s unless a test changes it).
extern std::atomic<std::chrono::milliseconds> read_timeout;

// One keep-alive HTTP/1.1 connection to 127.0.0.1 over plain sockets, so tests see the exact bytes.
class HttpConnection {
  public:
    explicit HttpConnection(uint16_t port);
    ~HttpConnection();
    HttpConnection(const HttpConnection&) = delete;
    HttpConnection& operator=(const HttpConnection&) = delete;

    void send_request(const std::string& method, const std::string& target, const std::string& body = "",
                      const std::vector<std::string>& extra_headers = {});
    // Sends bytes exactly as given (a request head, a piece of a body).
    void send_raw(std::string_view bytes);
    // Reads the status line and headers.
    HttpResponse read_head();
    // Reads the next chunk of a chunked body; nullopt at the terminating chunk.
    std::optional<std::string> read_chunk();
    // Reads a whole response (Content-Length or chunked).
    HttpResponse read_response();
    // True when the server closed the connection (reads EOF) within `timeout`.
    bool closed_by_server(std::chrono::milliseconds timeout);
    void close();

  private:
    std::string read_line();
    std::string read_exact(std::size_t size);
    void fill();

    int fd_ = -1;
    std::string buffer_;
    std::string raw_;  // bytes of the current body as received
};

// Convenience: one request on a fresh connection.
HttpResponse http_request(uint16_t port, const std::string& method, const std::string& target,
                          const std::string& body = "", const std::vector<std::string>& extra_headers = {});

// Splits a stream body into its events (each "<json>\n\n"); anything after the last "\n\n" is
// returned as a final element.
std::vector<std::string> split_events(const std::string& body);

}  // namespace execd_test
