#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

namespace harness {

struct EchoServerConfig {
    std::string netns;  // sockets are created in this namespace; empty: the caller's
    std::string address;
    uint16_t port = 80;         // 0 picks a free port, the same for TCP and UDP
    std::string name = "echo";  // named in HTTP response bodies
};

// TCP: answers "GET ..." with "HTTP/1.0 200 OK" and a body "served-by <name>\n", echoes
// anything else (fewer than 4 bytes that could still begin "GET " are held until more arrive or
// the client shuts down its side). UDP: echoes each datagram. Runs on its own thread; counters are
// thread-safe.
class EchoServer {
  public:
    explicit EchoServer(EchoServerConfig config);
    ~EchoServer();
    EchoServer(const EchoServer&) = delete;
    EchoServer& operator=(const EchoServer&) = delete;

    uint16_t port() const { return port_; }
    const std::string& name() const { return name_; }
    size_t tcp_connections() const { return tcp_connections_; }
    size_t http_requests() const { return http_requests_; }
    size_t udp_datagrams() const { return udp_datagrams_; }

  private:
    class Loop;

    std::string name_;
    uint16_t port_ = 0;
    std::atomic<size_t> tcp_connections_{0};
    std::atomic<size_t> http_requests_{0};
    std::atomic<size_t> udp_datagrams_{0};
    std::unique_ptr<Loop> loop_;
    std::thread thread_;
};

}  // namespace harness
