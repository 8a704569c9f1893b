#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "harness/unique_fd.hpp"

namespace harness {

// Clients that act from inside a namespace. `error` is 0 or an errno (ETIMEDOUT on timeout).
inline constexpr std::chrono::milliseconds kDefaultClientTimeout{2000};

struct ConnectResult {
    bool connected = false;
    int error = 0;
};

struct HttpResult {
    int error = 0;
    int status = 0;  // 0 when no status line arrived
    std::string body;
    std::string raw;
};

struct EchoResult {
    int error = 0;
    std::string reply;
};

ConnectResult tcp_connect(const std::string& netns, const std::string& address, uint16_t port,
                          std::chrono::milliseconds timeout = kDefaultClientTimeout);

// Like tcp_connect, from a socket carrying SO_MARK `mark` (what CAP_NET_RAW allows any process).
ConnectResult tcp_connect_marked(const std::string& netns, const std::string& address, uint16_t port,
                                 uint32_t mark, std::chrono::milliseconds timeout = kDefaultClientTimeout);

// HTTP/1.0 GET; reads until the server closes.
HttpResult http_get(const std::string& netns, const std::string& address, uint16_t port,
                    const std::string& path = "/", std::chrono::milliseconds timeout = kDefaultClientTimeout);

// Sends `payload` and reads back as many bytes.
EchoResult tcp_echo(const std::string& netns, const std::string& address, uint16_t port,
                    const std::string& payload, std::chrono::milliseconds timeout = kDefaultClientTimeout);

// A TCP connection kept open between exchanges (a pooled or idle keep-alive connection).
class HeldTcpConnection {
  public:
    HeldTcpConnection(const std::string& netns, const std::string& address, uint16_t port,
                      std::chrono::milliseconds timeout = kDefaultClientTimeout);

    bool connected() const { return error_ == 0; }
    int error() const { return error_; }
    int fd() const { return fd_.get(); }
    // Sends `payload` and reads back as many bytes (the peer echoes); 0 or an errno.
    int echo(const std::string& payload, std::chrono::milliseconds timeout = kDefaultClientTimeout);

  private:
    UniqueFd fd_;
    int error_ = 0;
};

// Sends one datagram and waits for one back.
EchoResult udp_echo(const std::string& netns, const std::string& address, uint16_t port,
                    const std::string& payload, std::chrono::milliseconds timeout = kDefaultClientTimeout);

}  // namespace harness
