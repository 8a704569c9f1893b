#pragma once

#include <cstdint>
#include <memory>

namespace execd_test {

// A real HTTP server on 127.0.0.1 for the proxy tests (Boost.Beast, one thread per connection):
//   /stream       chunked "first\n", then 300 ms later "second\n"
//   WebSocket     echoes every message back
//   anything else 200 text: "<METHOD> <target>\n", each header "name: value\n", "\n", the body
class ProxyUpstreamServer {
  public:
    ProxyUpstreamServer();
    ~ProxyUpstreamServer();
    ProxyUpstreamServer(const ProxyUpstreamServer&) = delete;
    ProxyUpstreamServer& operator=(const ProxyUpstreamServer&) = delete;

    uint16_t port() const;

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace execd_test
